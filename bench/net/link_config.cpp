// sf-bench net: link configuration; see link_config.h.
#include "bench/net/link_config.h"

#include "common/unique_fd.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace sf::bench {
namespace {

ifreq request_for(const std::string& name) {
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.c_str(), name.size()); // size checked by the callers
    return ifr;
}

void set_ipv4(sockaddr* target, uint32_t host_order) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(host_order);
    std::memcpy(target, &in, sizeof in);
}

Result<void> interface_ioctl(int fd, unsigned long request, ifreq& ifr, const char* what) {
    if (::ioctl(fd, request, &ifr) < 0)
        return error("{} on {}: {}", what, ifr.ifr_name, std::strerror(errno));
    return ok();
}

Result<UniqueFd> ioctl_socket(const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ)
        return error("interface name {:?}: 1 to {} bytes", name, IFNAMSIZ - 1);
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return error("socket: {}", std::strerror(errno));
    return fd;
}

Result<void> set_up(int fd, const std::string& name) {
    ifreq ifr = request_for(name);
    SF_TRY(interface_ioctl(fd, SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS"));
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    return interface_ioctl(fd, SIOCSIFFLAGS, ifr, "SIOCSIFFLAGS");
}

Result<void> disable_ipv6(const std::string& name) {
    const std::string path = "/proc/sys/net/ipv6/conf/" + name + "/disable_ipv6";
    std::ofstream out(path);
    if (!out) return ok(); // a kernel without IPv6: nothing to disable
    out << "1\n";
    out.close();
    if (!out) return error("cannot write {}", path);
    return ok();
}

} // namespace

Result<void> configure_ipv4_link(const std::string& name, uint32_t ip, unsigned prefix_len) {
    if (prefix_len == 0 || prefix_len > 30) return error("prefix length /{}: must be 1-30", prefix_len);
    SF_TRY_ASSIGN(UniqueFd fd, ioctl_socket(name));
    SF_TRY(disable_ipv6(name));
    ifreq ifr = request_for(name);
    set_ipv4(&ifr.ifr_addr, ip);
    SF_TRY(interface_ioctl(fd.get(), SIOCSIFADDR, ifr, "SIOCSIFADDR"));
    ifr = request_for(name);
    set_ipv4(&ifr.ifr_netmask, ~uint32_t{0} << (32 - prefix_len));
    SF_TRY(interface_ioctl(fd.get(), SIOCSIFNETMASK, ifr, "SIOCSIFNETMASK"));
    return set_up(fd.get(), name);
}

Result<void> bring_link_up(const std::string& name) {
    SF_TRY_ASSIGN(UniqueFd fd, ioctl_socket(name));
    return set_up(fd.get(), name);
}

} // namespace sf::bench
