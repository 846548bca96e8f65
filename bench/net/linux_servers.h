// sf-linuxnet: LinuxServers, the Linux baseline's UDP echo and HTTP servers
// on the kernel's own stack, in one epoll loop on one thread (as a guest runs
// its apps on one vCPU, and sf-hostnet in one poll loop).
//
//   UDP, port 7: every datagram is sent back to its sender, as the guests'
//                UdpEcho does (a send that fails is counted, not retried);
//   TCP, port 80: HTTP/1.1 with keep-alive, the guests' answers (linux_http.h);
//                TCP_NODELAY on every connection, pipelined requests answered
//                in order.
//
// Both listen on every address of the namespace they are opened in. run()
// serves until SIGTERM or SIGINT (taken through a signalfd, so they must be
// blocked by the caller before any thread starts; open() blocks them in the
// calling thread).
//
// Threading: one thread; run() once.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace sf::bench {

struct LinuxServerStats {
    uint64_t udp_echoed = 0, udp_send_failed = 0;
    uint64_t http_connections = 0, http_answers = 0, http_bad_requests = 0;
};

class LinuxServers {
  public:
    static Result<std::unique_ptr<LinuxServers>> open(uint16_t udp_port = 7, uint16_t http_port = 80);
    ~LinuxServers() = default;
    LinuxServers(const LinuxServers&) = delete;
    LinuxServers& operator=(const LinuxServers&) = delete;

    // Serves until SIGTERM or SIGINT; an error if epoll fails.
    Result<void> run();
    const LinuxServerStats& stats() const { return stats_; }

  private:
    struct Connection {
        UniqueFd fd;
        std::string in, out;
        bool close_after = false, writing = false;
    };
    LinuxServers() = default;

    void echo_datagrams();
    void accept_connections();
    // Reads, answers and writes; false when the connection is to be closed.
    bool serve(Connection& c, bool readable);
    bool flush(Connection& c);

    UniqueFd epoll_, signals_, udp_, listener_;
    std::unordered_map<int, Connection> connections_;
    LinuxServerStats stats_;
};

} // namespace sf::bench
