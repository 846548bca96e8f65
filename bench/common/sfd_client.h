// sf-bench: the requests a benchmark makes of sfd, timed, over sfctl's API
// client (src/cli/client.h) on a unix socket.
//
// One SfdClient is one keep-alive connection: use one per thread. Every
// failure (transport error, non-2xx status) is an Error whose message names
// the request and carries the server's {"error": ...} text when there is one.
#pragma once

#include "common/result.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sf::cli {
class SfdClient;
}

namespace sf::bench {

// What to create: a VM (kind "vm": image and cmdline) or a container (kind
// "container": rootfs and args; image and cmdline unused).
struct GuestRequest {
    std::string kind = "vm"; // "vm" or "container"
    std::string name;
    std::string image; // absolute path (a VM's)
    std::string mem;   // a size as the API takes it, e.g. "4M"
    std::string cmdline;
    std::string rootfs;            // a container's root filesystem, an absolute directory
    std::vector<std::string> args; // a container's program and arguments (empty: sfd's default)
    std::chrono::milliseconds wait_timeout{10000}; // for wait=output
    std::string net;                               // non-empty: one NIC on this network
    std::string ip; // with net: the address asked for (empty: the network picks one)
};

struct CreatedGuest {
    uint64_t id = 0;
    std::optional<double> first_output_ms; // server side
    double client_ms = 0;                  // sending the request to receiving the 201
    std::string ip;                        // the guest object's nic.ip; empty without a NIC
};

class SfdClient {
  public:
    // Connects lazily, on the first request.
    explicit SfdClient(const std::string& socket_path);
    ~SfdClient();
    SfdClient(const SfdClient&) = delete;
    SfdClient& operator=(const SfdClient&) = delete;

    // GET /v1/host.
    Result<nlohmann::json> host();
    // POST /v1/guests with start=true and wait=output (and "kind": "container"
    // with its rootfs and args for a container): returns once the guest has
    // written its first console byte, VM or container alike. A guest that shows no output (it
    // ended first) is destroyed and is an error: it was not created.
    Result<CreatedGuest> create_guest(const GuestRequest& request);
    // DELETE /v1/guests/{id}.
    Result<void> destroy_guest(uint64_t id);
    // POST /v1/networks: a network whose host side is an uplink TAP named `name`.
    Result<void> create_network(const std::string& name, const std::string& subnet);

  private:
    Result<cli::SfdClient*> connection();

    std::string socket_path_;
    std::unique_ptr<cli::SfdClient> client_;
};

} // namespace sf::bench
