// sf-hostnet: TapDevice; see tap_device.h.
#include "bench/net/tap_device.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace sf::bench {
namespace {

// A socket for interface ioctls, closed on scope exit.
class IoctlSocket {
  public:
    IoctlSocket() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
    ~IoctlSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    IoctlSocket(const IoctlSocket&) = delete;
    IoctlSocket& operator=(const IoctlSocket&) = delete;
    int fd() const { return fd_; }

  private:
    int fd_;
};

ifreq request_for(const std::string& name) {
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.c_str(), name.size()); // size checked by open()
    return ifr;
}

void set_ipv4(sockaddr* target, uint32_t host_order) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(host_order);
    std::memcpy(target, &in, sizeof in);
}

Result<void> interface_ioctl(const IoctlSocket& s, unsigned long request, ifreq& ifr, const char* what) {
    if (::ioctl(s.fd(), request, &ifr) < 0)
        return error("{} on {}: {}", what, ifr.ifr_name, std::strerror(errno));
    return ok();
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

Result<std::unique_ptr<TapDevice>> TapDevice::open(const std::string& name, uint32_t host_ip,
                                                   unsigned prefix_len) {
    if (name.empty() || name.size() >= IFNAMSIZ)
        return error("TAP name {:?}: 1 to {} bytes", name, IFNAMSIZ - 1);
    if (prefix_len == 0 || prefix_len > 30) return error("prefix length /{}: must be 1-30", prefix_len);
    const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return error("/dev/net/tun: {}", std::strerror(errno));
    ifreq ifr = request_for(name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
        const int saved = errno;
        ::close(fd);
        return error("TUNSETIFF {}: {} (root inside a network namespace? see scripts/testns)", name,
                     std::strerror(saved));
    }
    std::unique_ptr<TapDevice> tap(new TapDevice(fd, name));
    SF_TRY(tap->configure(host_ip, prefix_len));
    return tap;
}

Result<void> TapDevice::configure(uint32_t host_ip, unsigned prefix_len) {
    SF_TRY(disable_ipv6(name_));
    IoctlSocket s;
    if (s.fd() < 0) return error("socket: {}", std::strerror(errno));
    ifreq ifr = request_for(name_);
    set_ipv4(&ifr.ifr_addr, host_ip);
    SF_TRY(interface_ioctl(s, SIOCSIFADDR, ifr, "SIOCSIFADDR"));
    ifr = request_for(name_);
    set_ipv4(&ifr.ifr_netmask, ~uint32_t{0} << (32 - prefix_len));
    SF_TRY(interface_ioctl(s, SIOCSIFNETMASK, ifr, "SIOCSIFNETMASK"));
    ifr = request_for(name_);
    SF_TRY(interface_ioctl(s, SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS"));
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    return interface_ioctl(s, SIOCSIFFLAGS, ifr, "SIOCSIFFLAGS");
}

TapDevice::~TapDevice() {
    if (fd_ >= 0) ::close(fd_);
}

Result<size_t> TapDevice::read_frame(uint8_t* buf, size_t len) {
    for (;;) {
        const ssize_t n = ::read(fd_, buf, len);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return size_t{0};
        return error("read {}: {}", name_, std::strerror(errno));
    }
}

void TapDevice::write_frame(const uint8_t* frame, size_t len) {
    ssize_t n;
    do {
        n = ::write(fd_, frame, len);
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(len)) ++dropped_writes_;
}

} // namespace sf::bench
