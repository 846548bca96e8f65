// superfluid switch: NetnsTap (netns_tap.h).
#include "net/netns_tap.h"

#include "net/named_netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

namespace sf::net {
namespace {

ifreq request_for(const char* name) {
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    return ifr;
}

Error failed(const std::string& what, const std::string& netns) {
    return error(ErrorKind::Unavailable, "{} in network namespace {}: {}", what, netns, std::strerror(errno));
}

// In the calling thread's namespace: no IPv6 on any interface, made now or later.
void disable_ipv6() {
    for (const char* file :
         {"/proc/sys/net/ipv6/conf/all/disable_ipv6", "/proc/sys/net/ipv6/conf/default/disable_ipv6"}) {
        UniqueFd fd(::open(file, O_WRONLY | O_CLOEXEC));
        if (fd.valid()) (void)!::write(fd.get(), "1\n", 2); // no IPv6 in this kernel: nothing to turn off
    }
}

// In the calling thread's namespace: its processes may bind ports below 1024
// and send ICMP echo (ping sockets) without privileges. A container's root
// lives in a user namespace that does not own this network namespace, so
// without these its udpecho (port 7) or httpd (port 80) could not serve.
// Both settings are the namespace's own.
void open_to_container() {
    const std::pair<const char*, std::string_view> settings[] = {
        {"/proc/sys/net/ipv4/ip_unprivileged_port_start", "0\n"},
        {"/proc/sys/net/ipv4/ping_group_range", "0 2147483647\n"},
    };
    for (const auto& [file, value] : settings) {
        UniqueFd fd(::open(file, O_WRONLY | O_CLOEXEC));
        if (fd.valid()) (void)!::write(fd.get(), value.data(), value.size());
    }
}

Result<void> set_up(int sock, const char* name, const std::string& netns) {
    ifreq ifr = request_for(name);
    if (::ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) return failed(fmt::format("reading {}'s flags", name), netns);
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) return failed(fmt::format("bringing {} up", name), netns);
    return ok();
}

Result<void> set_mac(int sock, MacAddress mac, const std::string& netns) {
    ifreq ifr = request_for(NetnsTap::kInterface);
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    const auto bytes = mac.bytes();
    std::memcpy(ifr.ifr_hwaddr.sa_data, bytes.data(), bytes.size());
    if (::ioctl(sock, SIOCSIFHWADDR, &ifr) < 0) return failed("setting eth0's MAC", netns);
    return ok();
}

// Opens /dev/net/tun in the calling thread's namespace and attaches it to
// eth0 (made if it does not exist).
Result<UniqueFd> open_eth0(const std::string& netns) {
    UniqueFd tap(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!tap.valid()) return failed("opening /dev/net/tun", netns);
    ifreq ifr = request_for(NetnsTap::kInterface);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (::ioctl(tap.get(), TUNSETIFF, &ifr) < 0) {
        if (errno == EBUSY)
            return error(ErrorKind::Conflict,
                         "eth0 in network namespace {} is attached already (an sfd holds it)", netns);
        return failed("making the TAP device eth0", netns);
    }
    return tap;
}

sockaddr in_address(uint32_t host_order) {
    sockaddr out{};
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(host_order);
    std::memcpy(&out, &sin, sizeof sin);
    return out;
}

} // namespace

Result<std::unique_ptr<NetnsTap>> NetnsTap::create(const std::string& netns, MacAddress mac) {
    UniqueFd tap, control;
    auto setup = [&]() -> Result<void> {
        disable_ipv6();
        open_to_container();
        SF_TRY_ASSIGN(tap, open_eth0(netns));
        if (::ioctl(tap.get(), TUNSETPERSIST, 1) < 0) return failed("making eth0 persistent", netns);
        control.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!control.valid()) return failed("making a socket", netns);
        SF_TRY(set_mac(control.get(), mac, netns));
        SF_TRY(set_up(control.get(), "lo", netns));
        SF_TRY(set_up(control.get(), kInterface, netns));
        return ok();
    };
    SF_TRY(netns::create(netns, setup));
    return std::unique_ptr<NetnsTap>(new NetnsTap(netns, std::move(tap), std::move(control)));
}

Result<std::unique_ptr<NetnsTap>> NetnsTap::attach(const std::string& netns) {
    UniqueFd tap;
    auto open_existing = [&]() -> Result<void> {
        if (::if_nametoindex(kInterface) == 0)
            return error(ErrorKind::NotFound, "network namespace {} has no {}", netns, kInterface);
        SF_TRY_ASSIGN(tap, open_eth0(netns));
        return ok();
    };
    SF_TRY(netns::in(netns, open_existing));
    return std::unique_ptr<NetnsTap>(new NetnsTap(netns, std::move(tap), UniqueFd()));
}

NetnsTap::~NetnsTap() {
    if (keep_) return;
    // eth0 stays persistent: deleting it here (TUNSETPERSIST 0, close) takes
    // ~25 ms in unregister_netdevice; the kernel deletes it with the namespace,
    // in the background, once nothing holds the namespace any more.
    tap_.reset();
    (void)netns::remove(netns_);
}

Result<void> NetnsTap::configure(Ipv4Address ip, uint32_t mask, Ipv4Address gateway) {
    if (!control_.valid())
        return error(ErrorKind::Conflict, "eth0 in network namespace {} is configured already", netns_);
    const int sock = control_.get();
    ifreq ifr = request_for(kInterface);
    ifr.ifr_addr = in_address(ip.value());
    if (::ioctl(sock, SIOCSIFADDR, &ifr) < 0) return failed("setting eth0's address", netns_);
    ifr = request_for(kInterface);
    ifr.ifr_netmask = in_address(mask);
    if (::ioctl(sock, SIOCSIFNETMASK, &ifr) < 0) return failed("setting eth0's netmask", netns_);
    rtentry route{};
    route.rt_dst = in_address(0);
    route.rt_genmask = in_address(0);
    route.rt_gateway = in_address(gateway.value());
    route.rt_flags = RTF_UP | RTF_GATEWAY;
    char device[] = "eth0";
    route.rt_dev = device;
    if (::ioctl(sock, SIOCADDRT, &route) < 0) return failed("adding the default route", netns_);
    control_.reset();
    return ok();
}

std::string NetnsTap::path() const {
    return netns::path(netns_);
}

bool NetnsTap::write_frame(std::span<const uint8_t> frame) const {
    for (;;) {
        if (::write(tap_.get(), frame.data(), frame.size()) >= 0) return true;
        if (errno != EINTR) return false;
    }
}

} // namespace sf::net
