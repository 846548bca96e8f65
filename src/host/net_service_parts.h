// superfluid toolstack: NetService's inner types, shared by its two source
// files (net_service.cpp: control; net_service_loop.cpp: the data plane).
#pragma once

#include "host/net_service.h"
#include "net/frame_channel.h"
#include "net/netns_tap.h"

#include <set>

namespace sf::host {

// What a data-plane epoll event is about: one of these in the high 32 bits,
// an id in the low 32 (a network's slot, a worker, a container NIC's port key).
inline constexpr uint64_t kTapTag = 1ull << 32;
inline constexpr uint64_t kWorkerTag = 2ull << 32;
inline constexpr uint64_t kWakeTag = 3ull << 32;
inline constexpr uint64_t kContainerTag = 4ull << 32;

// A guest port's sink: frames go to the worker bound to it (none: dropped).
// Called with the service's mutex held (the data plane holds it), as bind does.
class NetService::GuestSink final : public net::PortSink {
  public:
    explicit GuestSink(uint32_t key) : key_(key) {}
    uint32_t key() const { return key_; }
    void set_channel(int fd) { fd_ = fd; }
    void deliver(std::span<const uint8_t> frame) override {
        if (fd_ < 0) return;
        (void)net::frames::send_frame(fd_, key_, frame); // full: dropped, like a full ring
    }

  private:
    const uint32_t key_;
    int fd_ = -1;
};

class NetService::TapSink final : public net::PortSink {
  public:
    explicit TapSink(const net::UplinkTap& tap) : tap_(tap) {}
    void deliver(std::span<const uint8_t> frame) override { (void)tap_.write_frame(frame); }

  private:
    const net::UplinkTap& tap_;
};

// A container NIC's port sink: frames go to its eth0 (net/netns_tap.h),
// whose namespace and device go with the last reference unless kept.
class NetService::ContainerSink final : public net::PortSink {
  public:
    ContainerSink(uint32_t key, std::unique_ptr<net::NetnsTap> tap) : key_(key), tap_(std::move(tap)) {}
    uint32_t key() const { return key_; }
    net::NetnsTap& tap() const { return *tap_; }
    void deliver(std::span<const uint8_t> frame) override { (void)tap_->write_frame(frame); } // full: dropped

  private:
    const uint32_t key_;
    const std::unique_ptr<net::NetnsTap> tap_;
};

struct NetService::NetworkState {
    std::shared_ptr<net::Network> network;
    std::unique_ptr<net::UplinkTap> tap;
    net::PortId uplink_port = 0;
    std::unique_ptr<net::PortPool> pool;
    // Container NICs (ContainerSinks); destroyed before `pool` and the switch.
    std::unique_ptr<net::PortPool> container_pool;
    bool containers_started = false;  // container_pool's target set (at the first container lease)
    std::set<std::string> unrestored; // an earlier sfd's namespaces, until restored or removed
    net::ArpResponder arp;
    uint32_t slot = 0;
    uint64_t returned = 0; // frames kept for guests that were leaving (kReturned)
};

} // namespace sf::host
