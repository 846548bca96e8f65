// superfluid guest networking: the NIC driver (guest-only; see sf/net/nic.h).
#include "sf/net/nic.h"

#include "sf/hypercall.h"

namespace sf::net {

int64_t Nic::attach(uint32_t index) {
    // Only the indices need zeroing: slots are written before they are
    // published. Leaving the slots alone keeps their pages untouched until used.
    rings_.rx.head = rings_.rx.tail = 0;
    rings_.tx.head = rings_.tx.tail = 0;
    const int64_t ret = sf_net_attach(index, &rings_);
    if (ret == 0) {
        index_ = index;
        attached_ = true;
    }
    return ret;
}

bool Nic::send(const uint8_t* frame, size_t len) {
    if (ring_push(&rings_.tx, frame, len)) {
        ++stats_.tx_frames;
        return true;
    }
    if (len != 0 && len <= SF_NET_FRAME_MAX) { // the ring was full: make room once
        ++stats_.kicks_when_full;
        kick();
        if (ring_push(&rings_.tx, frame, len)) {
            ++stats_.tx_frames;
            return true;
        }
    }
    ++stats_.tx_drop_full;
    return false;
}

void Nic::kick() {
    if (!attached_ || !tx_pending()) return;
    ++stats_.kicks;
    sf_net_kick(index_);
}

} // namespace sf::net
