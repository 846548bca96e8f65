// superfluid monitor: the NIC rings, monitor side.
#include "vmm/devices/nic.h"

#include <fmt/format.h>

#include <atomic>
#include <cstring>

namespace sf::vmm {
namespace {

uint32_t load_acquire(const uint32_t& index) {
    return std::atomic_ref<const uint32_t>(index).load(std::memory_order_acquire);
}

void store_release(uint32_t& index, uint32_t value) {
    std::atomic_ref<uint32_t>(index).store(value, std::memory_order_release);
}

} // namespace

int64_t Nic::attach(const GuestMemory& memory, uint64_t rings_gpa) {
    std::lock_guard lock(mutex_);
    if (rx_ != nullptr) return -SF_EBUSY;
    if (rings_gpa % 64 != 0) return -SF_EINVAL;
    auto span = memory.guest_span(rings_gpa, sizeof(sf_net_rings), Access::Write);
    if (!span) return -SF_EINVAL;
    auto* rings = reinterpret_cast<sf_net_rings*>(span->data());
    rx_ = &rings->rx;
    tx_ = &rings->tx;
    rings_gpa_ = rings_gpa;
    rx_head_ = load_acquire(rx_->head);
    tx_tail_ = load_acquire(tx_->tail);
    return 0;
}

bool Nic::attached() const {
    std::lock_guard lock(mutex_);
    return rx_ != nullptr;
}

void Nic::detach() {
    std::lock_guard lock(mutex_);
    rx_ = nullptr;
    tx_ = nullptr;
    rings_gpa_ = 0;
}

Nic::KickResult Nic::kick() {
    sf_net_ring* tx = nullptr;
    {
        std::lock_guard lock(mutex_);
        tx = tx_;
    }
    if (tx == nullptr) return {};
    const uint32_t head = load_acquire(tx->head);
    const uint32_t count = head - tx_tail_;
    if (count > SF_NET_RING_SLOTS)
        return {0,
                fmt::format("NIC TX ring corrupt: head {} is {} slots past tail {}", head, count, tx_tail_)};
    KickResult result;
    for (; tx_tail_ != head; ++tx_tail_) {
        const sf_net_slot& slot = tx->slots[tx_tail_ % SF_NET_RING_SLOTS];
        const uint16_t len = std::atomic_ref<const uint16_t>(slot.len).load(std::memory_order_relaxed);
        if (len < 14 || len > SF_NET_FRAME_MAX) {
            result.fault = fmt::format("NIC TX frame of {} bytes (must be 14 to {})", len, SF_NET_FRAME_MAX);
            break;
        }
        transmit_(std::span<const uint8_t>(slot.frame, len));
        ++result.frames;
    }
    store_release(tx->tail, tx_tail_);
    std::lock_guard lock(mutex_);
    stats_.tx_frames += result.frames;
    if (result.frames > 0) ++stats_.kicks;
    return result;
}

bool Nic::deliver(std::span<const uint8_t> frame) {
    std::lock_guard lock(mutex_);
    if (frame.size() < 14 || frame.size() > SF_NET_FRAME_MAX) {
        ++stats_.rx_dropped_bad;
        return false;
    }
    if (rx_ == nullptr) {
        ++stats_.rx_dropped_detached;
        return false;
    }
    const uint32_t tail = load_acquire(rx_->tail);
    // A guest tail ahead of our head, or too far behind, is nonsense; treat it as full.
    if (rx_head_ - tail >= SF_NET_RING_SLOTS) {
        ++stats_.rx_dropped_full;
        return false;
    }
    sf_net_slot& slot = rx_->slots[rx_head_ % SF_NET_RING_SLOTS];
    std::memcpy(slot.frame, frame.data(), frame.size());
    std::atomic_ref<uint16_t>(slot.len).store(static_cast<uint16_t>(frame.size()), std::memory_order_relaxed);
    ++rx_head_;
    store_release(rx_->head, rx_head_);
    ++stats_.rx_frames;
    return true;
}

bool Nic::rx_pending() const {
    std::lock_guard lock(mutex_);
    return rx_ != nullptr && load_acquire(rx_->tail) != rx_head_;
}

NicStats Nic::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

NicSnapshot Nic::snapshot() const {
    std::lock_guard lock(mutex_);
    NicSnapshot out{};
    if (rx_ != nullptr) {
        out.attached = 1;
        out.rings_gpa = rings_gpa_;
        out.rx_head = rx_head_;
        out.tx_tail = tx_tail_;
    }
    out.rx_frames = stats_.rx_frames;
    out.rx_dropped_full = stats_.rx_dropped_full;
    out.rx_dropped_detached = stats_.rx_dropped_detached;
    out.rx_dropped_bad = stats_.rx_dropped_bad;
    out.tx_frames = stats_.tx_frames;
    out.kicks = stats_.kicks;
    return out;
}

Result<void> Nic::restore(const GuestMemory& memory, const NicSnapshot& snapshot) {
    std::lock_guard lock(mutex_);
    if (rx_ != nullptr) return error("internal: restoring NIC {} that is attached already", snapshot.index);
    if (snapshot.attached > 1)
        return error("snapshot NIC {}: attached = {} (must be 0 or 1)", snapshot.index, snapshot.attached);
    if (snapshot.attached == 1) {
        auto span = snapshot.rings_gpa % 64 == 0
                        ? memory.guest_span(snapshot.rings_gpa, sizeof(sf_net_rings), Access::Write)
                        : std::nullopt;
        if (!span)
            return error("snapshot NIC {}: rings at {:#x} are misaligned or outside the guest's memory",
                         snapshot.index, snapshot.rings_gpa);
        auto* rings = reinterpret_cast<sf_net_rings*>(span->data());
        rx_ = &rings->rx;
        tx_ = &rings->tx;
        rings_gpa_ = snapshot.rings_gpa;
        rx_head_ = snapshot.rx_head;
        tx_tail_ = snapshot.tx_tail;
        store_release(rx_->head, rx_head_);
    }
    stats_ = NicStats{snapshot.rx_frames,      snapshot.rx_dropped_full, snapshot.rx_dropped_detached,
                      snapshot.rx_dropped_bad, snapshot.tx_frames,       snapshot.kicks};
    return ok();
}

std::optional<Nic::RingRange> Nic::ring_range() const {
    std::lock_guard lock(mutex_);
    if (rx_ == nullptr) return std::nullopt;
    return RingRange{rings_gpa_, sizeof(sf_net_rings)};
}

} // namespace sf::vmm
