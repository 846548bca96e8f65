// superfluid guest IP stack: ARP (RFC 826) for IPv4 over Ethernet.
//
// Replies to requests for our address, learns from requests addressed to us
// and from replies, and resolves next hops before sending: a packet to an
// unresolved address waits in its cache entry (one per entry; a newer packet
// replaces it) while requests are retried kArpRetries times. A resolved entry
// lives kArpLifetimeNs; it is checked when used (no timer), and an expired one
// is resolved again.
#include "sf/net/stack.h"

#include "sf/string.h"
#include "wire.h"

namespace sf::net {

namespace {
constexpr uint16_t kArpRequest = 1;
constexpr uint16_t kArpReply = 2;
constexpr uint8_t kArpRetries = 3;
constexpr uint64_t kArpRetryNs = 1'000'000'000;
constexpr uint64_t kArpLifetimeNs = 60'000'000'000;
} // namespace

ArpEntry* Stack::arp_find(uint32_t ip) {
    for (ArpEntry& e : arp_)
        if (e.used && e.ip == ip) return &e;
    return nullptr;
}

// A fresh entry for `ip`: a free one, else the resolved one closest to expiry,
// else the unresolved one with the earliest retry.
ArpEntry* Stack::arp_insert(uint32_t ip) {
    ArpEntry* victim = nullptr;
    for (ArpEntry& e : arp_) {
        if (!e.used) {
            victim = &e;
            break;
        }
        if (victim == nullptr || (e.resolved && !victim->resolved) ||
            (e.resolved == victim->resolved && e.deadline_ns < victim->deadline_ns))
            victim = &e;
    }
    if (victim->used && victim->pending_len != 0) ++stats_.drop_arp_unresolved;
    victim->used = true;
    victim->resolved = false;
    victim->ip = ip;
    victim->retries = 0;
    victim->pending_len = 0;
    victim->deadline_ns = now_ns_ + kArpRetryNs;
    return victim;
}

void Stack::arp_send(uint16_t op, const uint8_t dst_mac[kMacLen], uint32_t target_ip) {
    static const uint8_t kZeroMac[kMacLen] = {};
    uint8_t* p = tx_buf_ + kEthHeader;
    store16(p, 1);
    store16(p + 2, kEtherTypeIpv4);
    p[4] = kMacLen;
    p[5] = 4;
    store16(p + 6, op);
    sf_memcpy(p + 8, config_.mac, kMacLen);
    store32(p + 14, config_.ip);
    sf_memcpy(p + 18, dst_mac == nullptr ? kZeroMac : dst_mac, kMacLen);
    store32(p + 24, target_ip);
    send_ethernet(dst_mac, kEtherTypeArp, kArpPacket);
}

void Stack::arp_input(const uint8_t* p, size_t len) {
    if (len < kArpPacket) {
        ++stats_.drop_truncated;
        return;
    }
    const uint16_t op = load16(p + 6);
    if (load16(p) != 1 || load16(p + 2) != kEtherTypeIpv4 || p[4] != kMacLen || p[5] != 4 ||
        (op != kArpRequest && op != kArpReply)) {
        ++stats_.drop_bad_header;
        return;
    }
    const uint8_t* sender_mac = p + 8;
    const uint32_t sender_ip = load32(p + 14);
    const uint32_t target_ip = load32(p + 24);
    const bool for_us = target_ip == config_.ip && config_.ip != 0;
    if (sender_mac[0] & 1) { // a multicast sender address is never learnt
        ++stats_.drop_bad_header;
        return;
    }
    ArpEntry* e = sender_ip == 0 ? nullptr : arp_find(sender_ip);
    if (e == nullptr && for_us && sender_ip != 0) e = arp_insert(sender_ip);
    if (for_us && op == kArpRequest) {
        arp_send(kArpReply, sender_mac, sender_ip);
        ++stats_.arp_replies_sent;
    }
    if (e == nullptr) {
        if (!for_us) ++stats_.drop_not_for_us;
        return;
    }
    sf_memcpy(e->mac, sender_mac, kMacLen);
    e->resolved = true;
    e->deadline_ns = now_ns_ + kArpLifetimeNs;
    if (e->pending_len != 0) {
        const size_t n = e->pending_len;
        e->pending_len = 0;
        sf_memcpy(tx_buf_ + kEthHeader, e->pending, n);
        send_ethernet(e->mac, kEtherTypeIpv4, n);
    }
}

// The IPv4 packet of `ip_len` bytes is at tx_buf_ + kEthHeader.
void Stack::arp_resolve_and_send(uint32_t next_hop, size_t ip_len) {
    ArpEntry* e = arp_find(next_hop);
    if (e != nullptr && e->resolved && e->deadline_ns > now_ns_) {
        send_ethernet(e->mac, kEtherTypeIpv4, ip_len);
        return;
    }
    bool fresh = e == nullptr;
    if (fresh) {
        e = arp_insert(next_hop);
    } else if (e->resolved) { // expired: resolve again, this packet waits
        e->resolved = false;
        e->retries = 0;
        e->deadline_ns = now_ns_ + kArpRetryNs;
        fresh = true;
    }
    if (e->pending_len != 0) ++stats_.drop_arp_unresolved;
    sf_memcpy(e->pending, tx_buf_ + kEthHeader, ip_len);
    e->pending_len = static_cast<uint16_t>(ip_len);
    if (fresh) arp_send(kArpRequest, nullptr, next_hop);
}

void Stack::arp_poll() {
    for (ArpEntry& e : arp_) {
        if (!e.used || e.resolved || e.deadline_ns > now_ns_) continue; // expiry is checked on use
        if (++e.retries >= kArpRetries) {
            if (e.pending_len != 0) ++stats_.drop_arp_unresolved;
            e.used = false;
            e.pending_len = 0;
            continue;
        }
        e.deadline_ns = now_ns_ + kArpRetryNs;
        arp_send(kArpRequest, nullptr, e.ip);
    }
}

} // namespace sf::net
