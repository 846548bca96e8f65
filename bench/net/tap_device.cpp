// sf-hostnet: TapDevice; see tap_device.h.
#include "bench/net/tap_device.h"

#include "bench/net/link_config.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sf::bench {
namespace {

ifreq request_for(const std::string& name) {
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.c_str(), name.size()); // size checked by open()
    return ifr;
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
    return configure_ipv4_link(name_, host_ip, prefix_len);
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
