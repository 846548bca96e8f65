// superfluid switch: creating and configuring a network's uplink TAP.
#include "net/uplink_tap.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace sf::net {
namespace {

ifreq request_for(const std::string& name) {
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    return ifr;
}

Result<void> set_address(int sock, const std::string& name, unsigned long op, uint32_t value) {
    ifreq ifr = request_for(name);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(value);
    std::memcpy(&ifr.ifr_addr, &sin, sizeof sin);
    if (::ioctl(sock, op, &ifr) < 0)
        return error(ErrorKind::Unavailable, "cannot set the address of {}: {}", name, std::strerror(errno));
    return ok();
}

// 06:xx:xx:xx:xx:xx from the name (FNV-1a): locally administered, unicast,
// never one of the guests' 02:... addresses.
MacAddress uplink_mac(const std::string& name) {
    uint64_t hash = 0xcbf29ce484222325ull;
    for (char c : name)
        hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    uint8_t bytes[6] = {0x06};
    for (int i = 1; i < 6; ++i)
        bytes[i] = static_cast<uint8_t>(hash >> (8 * (i - 1)));
    return MacAddress::from_bytes(bytes);
}

Result<MacAddress> configure(const std::string& name, Ipv4Address address, const Ipv4Cidr& subnet) {
    // Before the link comes up, so that it never sends IPv6 solicitations.
    std::ofstream(fmt::format("/proc/sys/net/ipv6/conf/{}/disable_ipv6", name)) << "1\n";
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock.valid()) return error(ErrorKind::Unavailable, "socket: {}", std::strerror(errno));
    SF_TRY(set_address(sock.get(), name, SIOCSIFADDR, address.value()));
    SF_TRY(set_address(sock.get(), name, SIOCSIFNETMASK, subnet.mask()));
    ifreq ifr = request_for(name);
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    const auto mac = uplink_mac(name).bytes();
    std::memcpy(ifr.ifr_hwaddr.sa_data, mac.data(), mac.size());
    if (::ioctl(sock.get(), SIOCSIFHWADDR, &ifr) < 0)
        return error(ErrorKind::Unavailable, "cannot set the MAC of {}: {}", name, std::strerror(errno));
    ifr = request_for(name);
    if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) < 0)
        return error(ErrorKind::Unavailable, "cannot read the flags of {}: {}", name, std::strerror(errno));
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) < 0)
        return error(ErrorKind::Unavailable, "cannot bring {} up: {}", name, std::strerror(errno));
    ifr = request_for(name);
    if (::ioctl(sock.get(), SIOCGIFHWADDR, &ifr) < 0)
        return error(ErrorKind::Unavailable, "cannot read the MAC of {}: {}", name, std::strerror(errno));
    return MacAddress::from_bytes(reinterpret_cast<const uint8_t*>(ifr.ifr_hwaddr.sa_data));
}

} // namespace

Result<std::unique_ptr<UplinkTap>> UplinkTap::create(const std::string& name, Ipv4Address address,
                                                     const Ipv4Cidr& subnet) {
    if (name.empty() || name.size() >= IFNAMSIZ)
        return error(ErrorKind::InvalidArgument, "interface name {:?} must have 1 to {} bytes", name,
                     IFNAMSIZ - 1);
    if (::if_nametoindex(name.c_str()) != 0)
        return error(ErrorKind::Conflict, "an interface named {:?} exists already on this host", name);
    UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid())
        return error(ErrorKind::Unavailable, "cannot open /dev/net/tun: {}", std::strerror(errno));
    ifreq ifr = request_for(name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
        const int e = errno;
        return error(e == EBUSY || e == EEXIST ? ErrorKind::Conflict : ErrorKind::Unavailable,
                     "cannot create TAP device {:?}: {}{}", name, std::strerror(e),
                     e == EPERM ? " (sfd needs CAP_NET_ADMIN, e.g. root, for networks)" : "");
    }
    SF_TRY_ASSIGN(MacAddress mac, configure(name, address, subnet));
    return std::unique_ptr<UplinkTap>(new UplinkTap(std::move(fd), name, mac));
}

bool UplinkTap::write_frame(std::span<const uint8_t> frame) const {
    for (;;) {
        if (::write(fd_.get(), frame.data(), frame.size()) >= 0) return true;
        if (errno != EINTR) return false;
    }
}

} // namespace sf::net
