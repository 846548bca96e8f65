// sf-bench migrate: network namespaces; see migrate_netns.h.
#include "bench/migrate/migrate_netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>

namespace sf::bench {

Result<void> run_in_netns(const std::string& ns, const std::function<Result<void>()>& fn) {
    const std::string path = ns.find('/') == std::string::npos ? "/run/netns/" + ns : ns;
    Result<void> result = ok();
    std::thread worker([&] {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            result = error("network namespace {}: {}", path, std::strerror(errno));
            return;
        }
        const int joined = ::setns(fd, CLONE_NEWNET);
        const int saved = errno;
        ::close(fd);
        if (joined != 0) {
            result = error("setns {}: {}", path, std::strerror(saved));
            return;
        }
        result = fn();
    });
    worker.join();
    return result;
}

int64_t wall_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

Result<uint32_t> parse_ipv4(const std::string& text) {
    in_addr address{};
    if (::inet_pton(AF_INET, text.c_str(), &address) != 1) return error("not an IPv4 address: '{}'", text);
    return ntohl(address.s_addr);
}

} // namespace sf::bench
