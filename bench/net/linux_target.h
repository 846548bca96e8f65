// sf-bench net: LinuxTarget, the Linux baseline: sf-linuxnet (Linux's own
// stack, an epoll UDP echo and HTTP server answering as the guests do) in a
// network namespace of its own, reached from the benchmark's namespace over
// a veth pair, so that the client crosses one virtual link to a kernel stack
// as it crosses a TAP to the guests and to sf-hostnet.
//
// start(): runs sf-linuxnet, waits until it has left the benchmark's
// namespace, creates the pair (`ip link add VETH type veth peer name PEER
// netns PID`), gives VETH the host address (IPv6 off, up), and waits until
// sf-linuxnet's address answers ping (it configures PEER once it sees it).
// The destructor stops sf-linuxnet; its namespace and the pair go with it.
#pragma once

#include "bench/net/net_targets.h"

#include "common/result.h"

#include <cstdint>
#include <memory>
#include <string>

namespace sf::bench {

struct LinuxTargetOptions {
    std::string binary; // sf-linuxnet
    std::string veth = "sflinux0", peer = "sflinux1";
    std::string host_address = "10.79.0.1/24"; // sf-linuxnet answers at the next address
};

class LinuxTarget : public BaselineProcess {
  public:
    static Result<std::unique_ptr<LinuxTarget>> start(const LinuxTargetOptions& options);

  private:
    LinuxTarget() : BaselineProcess("sf-linuxnet") {}
    Result<void> wait_until_in_own_namespace();
};

} // namespace sf::bench
