// superfluid toolstack: NetService's data plane thread.
#include "host/net_service.h"
#include "host/net_service_parts.h"

#include "net/address_binding.h"
#include "net/frame_channel.h"
#include "vmm/guest_clock.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace sf::host {
namespace {

constexpr size_t kBatch = 64; // frames taken from one source before looking at the others
constexpr int kExpireMs = 1000;

} // namespace

void NetService::loop() {
    std::array<epoll_event, 64> events;
    uint64_t last_expire = vmm::host_monotonic_ns();
    while (!stopping_) {
        const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), kExpireMs);
        for (int i = 0; i < n; ++i) {
            const uint64_t tag = events[static_cast<size_t>(i)].data.u64 & ~0xffffffffull;
            const auto id = static_cast<uint32_t>(events[static_cast<size_t>(i)].data.u64);
            std::lock_guard lock(mutex_);
            if (tag == kTapTag) {
                if (auto it = network_slots_.find(id); it != network_slots_.end()) drain_tap(*it->second);
            } else if (tag == kWorkerTag) {
                drain_worker(static_cast<int>(id));
            } else if (tag == kContainerTag) {
                drain_container(id);
            }
        }
        const uint64_t now = vmm::host_monotonic_ns();
        if (now - last_expire >= kExpireMs * 1'000'000ull) {
            last_expire = now;
            std::lock_guard lock(mutex_);
            for (auto& [name, state] : networks_)
                state->network->l2_switch().expire(now);
        }
    }
}

// Called with mutex_ held, as every function below.
void NetService::drain_tap(NetworkState& state) {
    std::array<uint8_t, net::frames::kMaxFrame> frame;
    for (size_t i = 0; i < kBatch; ++i) {
        const ssize_t len = ::read(state.tap->fd(), frame.data(), frame.size());
        if (len <= 0) return; // EAGAIN: drained
        from_tap(state, {frame.data(), static_cast<size_t>(len)});
    }
}

void NetService::from_tap(NetworkState& state, std::span<const uint8_t> frame) {
    if (auto reply = state.arp.answer(frame)) {
        (void)state.tap->write_frame(*reply);
        return;
    }
    state.network->l2_switch().receive(state.uplink_port, frame, vmm::host_monotonic_ns());
}

bool NetService::drain_worker(int worker) {
    auto channel = workers_.find(worker);
    if (channel == workers_.end()) return false;
    const int fd = channel->second.get();
    std::array<uint8_t, net::frames::kMaxPacket + 1> packet;
    for (size_t i = 0; i < kBatch; ++i) {
        const ssize_t len = ::recv(fd, packet.data(), packet.size(), MSG_DONTWAIT);
        if (len == 0) { // the worker is gone: stop watching until it is replaced
            ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
            return false;
        }
        if (len < 0) return false;
        from_worker(worker, {packet.data(), static_cast<size_t>(len)});
    }
    return true;
}

void NetService::from_worker(int worker, std::span<const uint8_t> packet) {
    Result<net::frames::Frame> frame = net::frames::parse(packet);
    if (!frame) return;
    auto it = ports_.find(frame->port);
    if (it == ports_.end() || it->second.worker != worker) return; // not this worker's port
    PortRecord& record = it->second;
    if ((frame->flags & net::frames::kReturned) != 0) {
        if (addressed_to(record, frame->bytes) && record.returned.size() < kMaxHeldFrames) {
            record.returned.emplace_back(frame->bytes.begin(), frame->bytes.end());
            ++record.network->returned;
        }
        return;
    }
    from_guest(record, frame->bytes);
}

void NetService::drain_container(uint32_t port_key) {
    auto it = ports_.find(port_key);
    if (it == ports_.end() || !it->second.container) return;
    PortRecord& record = it->second;
    const int fd = record.container->tap().fd();
    std::array<uint8_t, net::frames::kMaxFrame> frame;
    for (size_t i = 0; i < kBatch; ++i) {
        const ssize_t len = ::read(fd, frame.data(), frame.size());
        if (len < 0 && (errno == EAGAIN || errno == EINTR)) return;
        if (len <= 0) { // eth0 deleted inside the container: nothing more comes
            ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
            return;
        }
        from_guest(record, {frame.data(), static_cast<size_t>(len)});
    }
}

void NetService::from_guest(PortRecord& record, std::span<const uint8_t> frame) {
    // A request in another station's name is not answered: the switch drops and counts it.
    const auto reply = record.network->arp.answer(frame);
    if (reply && !net::AddressBinding{record.port.mac, record.ip}.check(frame)) {
        deliver(record, *reply);
        return;
    }
    record.network->network->l2_switch().receive(record.port.port, frame, vmm::host_monotonic_ns());
}

void NetService::deliver(const PortRecord& record, std::span<const uint8_t> frame) {
    if (record.sink) record.sink->deliver(frame);
    if (record.container) record.container->deliver(frame);
}

// A worker may return, and a migration inject, only frames for the port's own guest.
bool NetService::addressed_to(const PortRecord& record, std::span<const uint8_t> frame) {
    const auto& mac = record.port.mac.bytes();
    return frame.size() >= 14 && std::equal(mac.begin(), mac.end(), frame.begin());
}

} // namespace sf::host
