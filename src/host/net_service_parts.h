// superfluid toolstack: NetService's inner types, shared by its two source
// files (net_service.cpp: control; net_service_loop.cpp: the data plane).
#pragma once

#include "host/net_service.h"
#include "net/frame_channel.h"

namespace sf::host {

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

struct NetService::NetworkState {
    std::shared_ptr<net::Network> network;
    std::unique_ptr<net::UplinkTap> tap;
    net::PortId uplink_port = 0;
    std::unique_ptr<net::PortPool> pool;
    net::ArpResponder arp;
    uint32_t slot = 0;
    uint64_t returned = 0; // frames kept for guests that were leaving (kReturned)
};

} // namespace sf::host
