// superfluid switch: L2Switch.
#include "net/l2_switch.h"

#include <algorithm>

namespace sf::net {

namespace {

constexpr uint16_t kEtherTypeVlan = 0x8100;

uint16_t ether_type(std::span<const uint8_t> frame) {
    return static_cast<uint16_t>((frame[12] << 8) | frame[13]);
}

} // namespace

L2Switch::L2Switch(SwitchConfig config) : config_(config) {
    table_.reserve(config_.max_learned + 64);
}

Result<PortId> L2Switch::add_port(PortOptions options) {
    if (!options.sink) return error(ErrorKind::InvalidArgument, "a switch port needs a sink");
    if (options.locked_mac && !options.locked_mac->is_unicast())
        return error(ErrorKind::InvalidArgument, "a port cannot be locked to {}: not a unicast MAC address",
                     options.locked_mac->to_string());
    std::lock_guard lock(mutex_);
    if (port_count_ >= config_.max_ports)
        return error(ErrorKind::ResourceExhausted, "the switch has its maximum of {} ports",
                     config_.max_ports);
    if (options.locked_mac) {
        auto it = table_.find(options.locked_mac->to_u64());
        if (it != table_.end() && it->second.is_static)
            return error(ErrorKind::Conflict, "MAC {} is already the locked MAC of port {}",
                         options.locked_mac->to_string(), it->second.port);
        if (it != table_.end()) { // learned elsewhere before: the lock wins
            table_.erase(it);
            --learned_count_;
        }
    }
    PortId id;
    if (!free_ids_.empty()) {
        id = *free_ids_.begin();
        free_ids_.erase(free_ids_.begin());
    } else {
        id = static_cast<PortId>(ports_.size());
        ports_.emplace_back();
    }
    // Only a tenant's (MAC-locked) port gets a flood budget; the uplink carries the host's floods.
    FloodLimiter floods = options.locked_mac ? FloodLimiter(config_.flood_burst, config_.flood_per_second)
                                             : FloodLimiter::unlimited();
    ports_[id] = Port{std::move(options.sink), options.locked_mac, options.enabled, std::nullopt, floods, {}};
    ++port_count_;
    if (options.locked_mac) table_[options.locked_mac->to_u64()] = Entry{id, true, 0};
    return id;
}

Result<void> L2Switch::remove_port(PortId port) {
    std::lock_guard lock(mutex_);
    if (!find_port(port)) return error(ErrorKind::NotFound, "no switch port {}", port);
    std::erase_if(table_, [&](const auto& item) {
        if (item.second.port != port) return false;
        if (!item.second.is_static) --learned_count_;
        return true;
    });
    ports_[port].reset();
    --port_count_;
    free_ids_.insert(port);
    // Keep ports_ short when the highest ids go away.
    while (!ports_.empty() && !ports_.back()) {
        free_ids_.erase(static_cast<PortId>(ports_.size() - 1));
        ports_.pop_back();
    }
    return ok();
}

Result<void> L2Switch::set_enabled(PortId port, bool enabled) {
    std::lock_guard lock(mutex_);
    Port* p = find_port(port);
    if (!p) return error(ErrorKind::NotFound, "no switch port {}", port);
    p->enabled = enabled;
    return ok();
}

Result<void> L2Switch::bind_address(PortId port, Ipv4Address address) {
    std::lock_guard lock(mutex_);
    Port* p = find_port(port);
    if (!p) return error(ErrorKind::NotFound, "no switch port {}", port);
    if (!p->locked_mac)
        return error(ErrorKind::InvalidArgument, "switch port {} is not locked to a MAC: it cannot be bound",
                     port);
    if (address.value() == 0)
        return error(ErrorKind::InvalidArgument, "switch port {} cannot be bound to 0.0.0.0", port);
    p->binding = AddressBinding{*p->locked_mac, address};
    return ok();
}

L2Switch::Port* L2Switch::find_port(PortId port) {
    if (port >= ports_.size() || !ports_[port]) return nullptr;
    return &*ports_[port];
}

void L2Switch::drop(Port* port, DropReason reason) {
    auto index = static_cast<size_t>(reason);
    ++stats_.drops[index];
    if (port) ++port->stats.rx_drops[index];
}

// Why a frame from `port` must be dropped, if it must. The flood budget is
// checked last, so that a frame dropped for another reason costs none of it.
std::optional<DropReason> L2Switch::check_ingress(Port& port, std::span<const uint8_t> frame,
                                                  uint64_t now_ns) {
    if (auto reason = check_frame(port, frame)) return reason;
    if (port.binding)
        if (auto reason = port.binding->check(frame)) return reason;
    const bool floods = MacAddress::from_bytes(frame.data()).is_multicast();
    if (floods && !port.floods.admit(now_ns)) return DropReason::FloodLimited;
    return std::nullopt;
}

// The checks every port's frames pass: size, source MAC, the MAC lock.
std::optional<DropReason> L2Switch::check_frame(const Port& port, std::span<const uint8_t> frame) const {
    if (!port.enabled) return DropReason::PortDisabled;
    if (frame.size() < kEthHeaderBytes) return DropReason::Runt;
    size_t limit = ether_type(frame) == kEtherTypeVlan ? kMaxTaggedFrameBytes : kMaxFrameBytes;
    if (frame.size() > limit) return DropReason::Oversized;
    MacAddress source = MacAddress::from_bytes(frame.data() + 6);
    if (!source.is_unicast()) return DropReason::BadSource;
    if (port.locked_mac && *port.locked_mac != source) return DropReason::Spoofed;
    return std::nullopt;
}

void L2Switch::receive(PortId ingress, std::span<const uint8_t> frame, uint64_t now_ns) {
    std::lock_guard lock(mutex_);
    ++stats_.frames;
    Port* port = find_port(ingress);
    if (!port) return drop(nullptr, DropReason::UnknownPort);
    port->stats.rx_frames++;
    port->stats.rx_bytes += frame.size();
    if (auto reason = check_ingress(*port, frame, now_ns)) return drop(port, *reason);

    learn(MacAddress::from_bytes(frame.data() + 6), ingress, now_ns);
    MacAddress destination = MacAddress::from_bytes(frame.data());
    std::optional<PortId> out;
    if (!destination.is_multicast()) out = lookup_fresh(destination, now_ns);
    if (!out) return flood(ingress, frame);
    if (*out == ingress) return drop(port, DropReason::SamePort);
    Port& target = *find_port(*out); // the table only names existing ports
    if (!target.enabled) return drop(port, DropReason::PortDisabled);
    ++stats_.unicast_forwarded;
    send(target, frame);
}

void L2Switch::learn(MacAddress source, PortId ingress, uint64_t now_ns) {
    auto it = table_.find(source.to_u64());
    if (it != table_.end()) {
        Entry& entry = it->second;
        if (entry.is_static) {
            if (entry.port != ingress) ++stats_.static_conflicts;
            return;
        }
        if (entry.port != ingress) {
            entry.port = ingress;
            ++stats_.moved;
        }
        entry.last_seen_ns = now_ns;
        return;
    }
    if (learned_count_ >= config_.max_learned && !make_room(now_ns)) {
        ++stats_.table_full;
        return;
    }
    table_.emplace(source.to_u64(), Entry{ingress, false, now_ns});
    ++learned_count_;
    ++stats_.learned;
}

// The table is full: sweeps expired entries, at most once per aging_ns / 8 so
// that a MAC flood does not make every frame scan the table.
bool L2Switch::make_room(uint64_t now_ns) {
    uint64_t interval = config_.aging_ns / 8;
    bool due = !swept_once_ || now_ns < last_sweep_ns_ || now_ns - last_sweep_ns_ >= interval;
    if (!due) return false;
    swept_once_ = true;
    last_sweep_ns_ = now_ns;
    return expire_locked(now_ns) > 0;
}

bool L2Switch::expired(const Entry& entry, uint64_t now_ns) const {
    return !entry.is_static && now_ns > entry.last_seen_ns && now_ns - entry.last_seen_ns > config_.aging_ns;
}

std::optional<PortId> L2Switch::lookup_fresh(MacAddress mac, uint64_t now_ns) {
    auto it = table_.find(mac.to_u64());
    if (it == table_.end()) return std::nullopt;
    if (expired(it->second, now_ns)) {
        table_.erase(it);
        --learned_count_;
        ++stats_.aged;
        return std::nullopt;
    }
    return it->second.port;
}

void L2Switch::send(Port& port, std::span<const uint8_t> frame) {
    port.stats.tx_frames++;
    port.stats.tx_bytes += frame.size();
    port.sink->deliver(frame);
}

void L2Switch::flood(PortId ingress, std::span<const uint8_t> frame) {
    ++stats_.flooded;
    for (size_t id = 0; id < ports_.size(); ++id) {
        if (id == ingress || !ports_[id] || !ports_[id]->enabled) continue;
        send(*ports_[id], frame);
    }
}

size_t L2Switch::expire(uint64_t now_ns) {
    std::lock_guard lock(mutex_);
    return expire_locked(now_ns);
}

size_t L2Switch::expire_locked(uint64_t now_ns) {
    size_t removed = std::erase_if(table_, [&](const auto& item) { return expired(item.second, now_ns); });
    learned_count_ -= removed;
    stats_.aged += removed;
    return removed;
}

std::optional<PortId> L2Switch::lookup(MacAddress mac) const {
    std::lock_guard lock(mutex_);
    auto it = table_.find(mac.to_u64());
    if (it == table_.end()) return std::nullopt;
    return it->second.port;
}

Result<PortStats> L2Switch::port_stats(PortId port) const {
    std::lock_guard lock(mutex_);
    if (port >= ports_.size() || !ports_[port]) return error(ErrorKind::NotFound, "no switch port {}", port);
    return ports_[port]->stats;
}

std::vector<PortDrops> L2Switch::ports_with_drops() const {
    std::lock_guard lock(mutex_);
    std::vector<PortDrops> out;
    for (size_t id = 0; id < ports_.size(); ++id) {
        if (!ports_[id]) continue;
        const Port& port = *ports_[id];
        const DropCounters& drops = port.stats.rx_drops;
        if (std::all_of(drops.begin(), drops.end(), [](uint64_t n) { return n == 0; })) continue;
        std::optional<Ipv4Address> address;
        if (port.binding) address = port.binding->ip;
        out.push_back(PortDrops{static_cast<PortId>(id), port.locked_mac, address, drops});
    }
    return out;
}

SwitchStats L2Switch::stats() const {
    std::lock_guard lock(mutex_);
    SwitchStats copy = stats_;
    copy.table_size = table_.size();
    copy.ports = port_count_;
    return copy;
}

} // namespace sf::net
