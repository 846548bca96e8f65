// sf-bench net: what the network benchmark talks to.
//
// GuestTargets: a private sfd (SfdProcess), one network on it, and one guest
// per service (ping, udpecho, httpd) with a NIC on that network. Its
// destructor destroys the guests and stops sfd, on every exit path.
//
// HostTarget: sf-hostnet on a TAP of its own (another subnet), the same
// stack and apps as a host process. Its destructor stops it.
//
// Both wait, before returning, until every address answers an ICMP echo.
#pragma once

#include "bench/common/child_process.h"
#include "bench/common/sfd_client.h"
#include "bench/common/sfd_process.h"

#include "common/result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sf::bench {

struct GuestTargetOptions {
    std::string sfd;                   // sfd binary
    std::vector<std::string> sfd_args; // e.g. --workers 1
    std::string guests_dir;            // build/guests
    std::string network = "sfbench0", subnet = "10.77.0.0/24";
    std::string mem = "4M";
};

class GuestTargets {
  public:
    static Result<std::unique_ptr<GuestTargets>> start(const GuestTargetOptions& options);
    ~GuestTargets();
    GuestTargets(const GuestTargets&) = delete;
    GuestTargets& operator=(const GuestTargets&) = delete;

    uint32_t ping_ip() const { return ping_ip_; }
    uint32_t udp_ip() const { return udp_ip_; }
    uint32_t http_ip() const { return http_ip_; }
    // Whether sfd still runs; if not, its log tail in `why`.
    bool alive(std::string& why);

  private:
    GuestTargets() = default;
    Result<uint32_t> create(const GuestTargetOptions& o, const std::string& image);

    std::unique_ptr<SfdProcess> sfd_;
    std::unique_ptr<SfdClient> client_;
    std::vector<uint64_t> guests_;
    uint32_t ping_ip_ = 0, udp_ip_ = 0, http_ip_ = 0;
};

struct HostTargetOptions {
    std::string binary; // sf-hostnet
    std::string tap = "sfhost0";
    std::string host_address = "10.78.0.1/24"; // the stack answers at the next address
};

// A baseline program the benchmark runs as its child (sf-hostnet,
// sf-linuxnet): the process, its temporary directory (its log) and the
// address it answers at. The destructor stops it and removes the directory.
class BaselineProcess {
  public:
    ~BaselineProcess();
    BaselineProcess(const BaselineProcess&) = delete;
    BaselineProcess& operator=(const BaselineProcess&) = delete;

    uint32_t ip() const { return ip_; }
    // Whether it still runs; if not, how it ended and its log tail in `why`.
    bool alive(std::string& why);

  protected:
    explicit BaselineProcess(std::string name) : name_(std::move(name)) {}

    std::string name_; // the program's, for messages
    std::string dir_;
    std::unique_ptr<ChildProcess> process_;
    uint32_t ip_ = 0;
};

class HostTarget : public BaselineProcess {
  public:
    static Result<std::unique_ptr<HostTarget>> start(const HostTargetOptions& options);

  private:
    HostTarget() : BaselineProcess("sf-hostnet") {}
};

// Waits until `ip` answers an ICMP echo (up to ~5 s).
Result<void> wait_until_answering(uint32_t ip, const std::string& what);

} // namespace sf::bench
