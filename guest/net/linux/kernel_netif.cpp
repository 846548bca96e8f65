// superfluid Linux builds: NetIf over the kernel's sockets (see sf/net/kernel_netif.h).
#include "sf/net/kernel_netif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

namespace sf::net {

namespace {

constexpr uint32_t kLoopback = 0x7f000001;

void end_on_signal(int sig) {
    _exit(128 + sig);
}

void end_on_termination_signals() {
    struct sigaction sa {};
    sa.sa_handler = &end_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
}

// The first IPv4 address of an interface that is up and not loopback; 127.0.0.1 if none.
uint32_t interface_address() {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return kLoopback;
    uint32_t ip = kLoopback;
    for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
        if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
        if ((a->ifa_flags & IFF_UP) == 0 || (a->ifa_flags & IFF_LOOPBACK) != 0) continue;
        ip = ntohl(reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr);
        break;
    }
    freeifaddrs(list);
    return ip;
}

} // namespace

NetIf::NetIf(int epoll_fd, uint32_t ip) : ip_(ip), sockets_(epoll_fd) {}

NetIf& NetIf::boot(const char* who) {
    static NetIf* net = nullptr;
    if (net != nullptr) return *net;
    setvbuf(stdout, nullptr, _IOLBF, 0);
    end_on_termination_signals();
    const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) {
        printf("%s: cannot create an epoll set (%s)\n", who, strerror(errno));
        exit(2);
    }
    static NetIf instance(epoll_fd, interface_address());
    net = &instance;
    return instance;
}

uint64_t NetIf::now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

} // namespace sf::net
