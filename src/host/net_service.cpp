// superfluid toolstack: sfd's networks, NIC leases and worker channels.
#include "host/net_service.h"
#include "host/net_service_parts.h"

#include "net/frame_channel.h"
#include "vmm/guest_clock.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>

namespace sf::host {

namespace {

constexpr uint64_t kTapTag = 1ull << 32;
constexpr uint64_t kWorkerTag = 2ull << 32;
constexpr uint64_t kWakeTag = 3ull << 32;
// Network info lists the ports that dropped the most frames, at most this many.
constexpr size_t kMaxPortDropsShown = 32;

// {"reason": count} for every drop reason, or only those that happened.
nlohmann::json drops_json(const net::DropCounters& drops, bool nonzero_only) {
    nlohmann::json out = nlohmann::json::object();
    for (size_t i = 0; i < net::kDropReasonCount; ++i)
        if (!nonzero_only || drops[i] != 0)
            out[std::string(net::drop_reason_name(static_cast<net::DropReason>(i)))] = drops[i];
    return out;
}

uint64_t total(const net::PortDrops& port) {
    return std::accumulate(port.drops.begin(), port.drops.end(), uint64_t{0});
}

// The ports that dropped the most frames, most first, each with the MAC and
// address that tell an operator whose port it is:
// [{"port": 3, "mac": "02:...", "ip": "10.0.0.5", "dropped": {"forged_arp": 120}}, ...]
nlohmann::json port_drops_json(std::vector<net::PortDrops> ports, net::PortId uplink) {
    const size_t shown = std::min(ports.size(), kMaxPortDropsShown);
    const auto most_first = [](const net::PortDrops& a, const net::PortDrops& b) {
        return total(a) > total(b);
    };
    std::partial_sort(ports.begin(), ports.begin() + static_cast<ptrdiff_t>(shown), ports.end(), most_first);
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < shown; ++i) {
        const net::PortDrops& port = ports[i];
        nlohmann::json entry = {{"port", port.port}};
        if (port.port == uplink) entry["uplink"] = true;
        if (port.locked_mac) entry["mac"] = port.locked_mac->to_string();
        if (port.bound_address) entry["ip"] = port.bound_address->to_string();
        entry["dropped"] = drops_json(port.drops, true);
        out.push_back(std::move(entry));
    }
    return out;
}

} // namespace

NicInfo NicLease::info() const {
    return NicInfo{network, mac.to_string(), ip.to_string(), static_cast<int>(prefix_len),
                   gateway.to_string()};
}

worker_api::NicSpec NicLease::worker_nic() const {
    return {port_key, mac.to_string(), ip.value(), mask, gateway.value(), 1500};
}

Result<std::unique_ptr<NetService>> NetService::create(NetServiceOptions options) {
    UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
    UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!epoll.valid() || !wake.valid()) return error("epoll/eventfd: {}", std::strerror(errno));
    epoll_event ev{EPOLLIN, {.u64 = kWakeTag}};
    ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, wake.get(), &ev);
    std::unique_ptr<NetService> service(new NetService(options, std::move(epoll), std::move(wake)));
    service->thread_ = std::thread([s = service.get()] { s->loop(); });
    return service;
}

NetService::NetService(NetServiceOptions options, UniqueFd epoll, UniqueFd wake)
    : options_(options), epoll_(std::move(epoll)), wake_(std::move(wake)),
      table_(net::NetworkTable::kDefaultMaxNetworks, options.switch_config) {}

NetService::~NetService() {
    stopping_ = true;
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
    thread_.join();
    std::lock_guard lock(mutex_);
    ports_.clear();
    networks_.clear(); // pools first (they remove their ports), then switches and TAPs
}

Result<NetworkInfo> NetService::create_network(const CreateNetworkRequest& request) {
    SF_TRY(net::Network::check_name(request.name));
    SF_TRY_ASSIGN(std::shared_ptr<net::Network> network, table_.create(request.name, request.subnet));
    auto state = std::make_unique<NetworkState>();
    state->network = network;
    auto undo = [&] { (void)table_.remove(request.name); };
    Result<std::unique_ptr<net::UplinkTap>> tap =
        net::UplinkTap::create(request.name, network->host_address(), network->subnet());
    if (!tap) return undo(), std::move(tap).error();
    state->tap = std::move(*tap);
    state->arp.add(network->host_address(), state->tap->mac());
    Result<net::PortId> uplink =
        network->l2_switch().add_port({std::make_shared<TapSink>(*state->tap), std::nullopt, true});
    if (!uplink) return undo(), std::move(uplink).error();
    state->uplink_port = *uplink;
    auto factory = [this](net::MacAddress) -> Result<std::shared_ptr<net::PortSink>> {
        return std::shared_ptr<net::PortSink>(std::make_shared<GuestSink>(keys_.issue()));
    };
    Result<std::unique_ptr<net::PortPool>> pool =
        net::PortPool::create(network->l2_switch(), macs_, factory, options_.pool_target, true);
    if (!pool) return undo(), std::move(pool).error();
    state->pool = std::move(*pool);
    std::lock_guard lock(mutex_);
    state->slot = next_slot_++;
    epoll_event ev{EPOLLIN, {.u64 = kTapTag | state->slot}};
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, state->tap->fd(), &ev) < 0)
        return undo(), error("epoll_ctl: {}", std::strerror(errno));
    network_slots_[state->slot] = state.get();
    NetworkInfo info = describe(*state);
    networks_.emplace(request.name, std::move(state));
    return info;
}

NetworkInfo NetService::describe(const NetworkState& state) const {
    const net::Network& n = *state.network;
    const net::SwitchStats s = n.l2_switch().stats();
    const net::PortPoolStats p = state.pool->stats();
    const std::vector<net::PortDrops> ports = n.l2_switch().ports_with_drops();
    nlohmann::json stats = {{"frames", s.frames},
                            {"unicast_forwarded", s.unicast_forwarded},
                            {"flooded", s.flooded},
                            {"learned", s.learned},
                            {"moved", s.moved},
                            {"table_full", s.table_full},
                            {"returned_after_move", state.returned},
                            {"dropped", drops_json(s.drops, false)},
                            {"ports_dropping", ports.size()},
                            {"port_drops", port_drops_json(ports, state.uplink_port)},
                            {"port_pool",
                             {{"ready", p.ready},
                              {"target", p.target},
                              {"taken_warm", p.taken_warm},
                              {"taken_cold", p.taken_cold}}}};
    return NetworkInfo{n.name(),
                       n.subnet().to_string(),
                       n.host_address().to_string(),
                       state.tap->name(),
                       n.addresses().in_use_count(),
                       n.addresses().capacity() - n.addresses().in_use_count(),
                       std::move(stats)};
}

std::vector<NetworkInfo> NetService::list_networks() const {
    std::lock_guard lock(mutex_);
    std::vector<NetworkInfo> out;
    for (const auto& [name, state] : networks_)
        out.push_back(describe(*state));
    return out;
}

Result<NetworkInfo> NetService::network_info(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = networks_.find(name);
    if (it == networks_.end()) return error(ErrorKind::NotFound, "no network {:?}", name);
    return describe(*it->second);
}

Result<void> NetService::remove_network(const std::string& name) {
    std::unique_ptr<NetworkState> state;
    {
        std::lock_guard lock(mutex_);
        auto it = networks_.find(name);
        if (it == networks_.end()) return error(ErrorKind::NotFound, "no network {:?}", name);
        SF_TRY(table_.remove(name)); // Conflict while guests hold addresses
        state = std::move(it->second);
        networks_.erase(it);
        network_slots_.erase(state->slot);
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, state->tap->fd(), nullptr);
    }
    state->pool.reset(); // removes the warm ports and gives their MACs back
    return ok();
}

Result<NicLease> NetService::lease(const std::string& network, const std::string& ip) {
    std::lock_guard lock(mutex_);
    auto it = networks_.find(network);
    if (it == networks_.end()) return error(ErrorKind::NotFound, "no network {:?}", network);
    NetworkState& state = *it->second;
    net::AddressPool& addresses = state.network->addresses();
    net::Ipv4Address address;
    if (ip.empty()) {
        SF_TRY_ASSIGN(address, addresses.allocate());
    } else {
        SF_TRY_ASSIGN(address, net::Ipv4Address::parse(ip));
        SF_TRY(addresses.claim(address));
    }
    Result<net::PoolPort> port = state.pool->take();
    if (!port) {
        (void)addresses.release(address);
        return std::move(port).error();
    }
    auto sink = std::static_pointer_cast<GuestSink>(port->sink);
    return record_lease(state, std::move(*port), std::move(sink), address);
}

// With mutex_ held: binds the lease's port to its address and records its ARP
// entry and the lease, once its address, port and key are claimed. On an
// error (the port is gone or not MAC-locked: not expected) it gives them back.
Result<NicLease> NetService::record_lease(NetworkState& state, net::PoolPort port,
                                          std::shared_ptr<GuestSink> sink, net::Ipv4Address ip) {
    if (Result<void> bound = state.network->l2_switch().bind_address(port.port, ip); !bound) {
        (void)state.pool->release(port);
        (void)state.network->addresses().release(ip);
        keys_.release(sink->key());
        return std::move(bound).error();
    }
    NicLease lease{sink->key(),
                   state.network->name(),
                   port.mac,
                   ip,
                   state.network->host_address(),
                   state.network->subnet().prefix(),
                   state.network->subnet().mask(),
                   {}};
    state.arp.add(ip, port.mac);
    ports_[lease.port_key] = PortRecord{&state, std::move(port), std::move(sink), ip, -1, {}};
    return lease;
}

void NetService::reserve_keys(uint32_t highest_used) {
    keys_.reserve(highest_used);
}

Result<NicLease> NetService::restore(const std::string& network, const std::string& mac,
                                     const std::string& ip, uint32_t port_key) {
    return restore_lease(network, mac, ip, port_key, true);
}

Result<NicLease> NetService::restore_lease(const std::string& network, const std::string& mac,
                                           const std::string& ip, uint32_t port_key, bool claim_key) {
    std::lock_guard lock(mutex_);
    auto it = networks_.find(network);
    if (it == networks_.end()) return error(ErrorKind::NotFound, "no network {:?}", network);
    NetworkState& state = *it->second;
    SF_TRY_ASSIGN(net::MacAddress mac_address, net::MacAddress::parse(mac));
    SF_TRY_ASSIGN(net::Ipv4Address address, net::Ipv4Address::parse(ip));
    if (claim_key) SF_TRY(keys_.claim(port_key));
    net::AddressPool& addresses = state.network->addresses();
    if (Result<void> claimed = addresses.claim(address); !claimed) {
        keys_.release(port_key);
        return std::move(claimed).error();
    }
    free_warm_mac(mac_address);
    Result<net::PoolPort> port = state.pool->make_for(mac_address, std::make_shared<GuestSink>(port_key));
    if (!port) {
        (void)addresses.release(address);
        keys_.release(port_key);
        return std::move(port).error();
    }
    auto sink = std::static_pointer_cast<GuestSink>(port->sink);
    return record_lease(state, std::move(*port), std::move(sink), address);
}

Result<NicLease> NetService::claim(const std::string& network, const std::string& mac,
                                   const std::string& ip) {
    return restore_lease(network, mac, ip, keys_.issue(), false);
}

void NetService::announce(uint32_t port_key) {
    std::lock_guard lock(mutex_);
    auto it = ports_.find(port_key);
    if (it == ports_.end()) return;
    const PortRecord& record = it->second;
    const auto frame = net::gratuitous_arp(record.port.mac, record.ip);
    record.network->network->l2_switch().receive(record.port.port, frame, vmm::host_monotonic_ns());
}

// With mutex_ held: a warm port of any network (MACs are per host) holding
// `mac` gives it up, so a restored guest can have it back.
void NetService::free_warm_mac(net::MacAddress mac) {
    if (!macs_.in_use(mac)) return;
    for (auto& [name, state] : networks_)
        if (state->pool->drop_warm(mac)) return;
}

void NetService::bind(uint32_t port_key, int worker) {
    std::lock_guard lock(mutex_);
    auto it = ports_.find(port_key);
    if (it == ports_.end()) return;
    it->second.worker = worker;
    auto channel = workers_.find(worker);
    it->second.sink->set_channel(channel == workers_.end() ? -1 : channel->second.get());
}

void NetService::release(uint32_t port_key) {
    std::lock_guard lock(mutex_);
    auto it = ports_.find(port_key);
    if (it == ports_.end()) return;
    PortRecord& record = it->second;
    while (drain_worker(record.worker)) {
    } // frames it returned before its guest was destroyed (kReturned)
    if (!record.returned.empty()) {
        if (departed_.size() >= 64) departed_.clear(); // never taken: a bound, not a leak
        departed_[port_key] = std::move(record.returned);
    }
    record.sink->set_channel(-1);
    record.network->arp.remove(record.ip);
    (void)record.network->network->addresses().release(record.ip);
    (void)record.network->pool->release(record.port);
    keys_.release(port_key);
    ports_.erase(it);
}

HeldFrames NetService::take_returned(uint32_t port_key) {
    std::lock_guard lock(mutex_);
    auto it = departed_.find(port_key);
    if (it == departed_.end()) return {};
    HeldFrames frames = std::move(it->second);
    departed_.erase(it);
    return frames;
}

void NetService::inject(uint32_t port_key, std::span<const uint8_t> frame) {
    std::lock_guard lock(mutex_);
    auto it = ports_.find(port_key);
    if (it == ports_.end() || !addressed_to(it->second, frame)) return;
    it->second.sink->deliver(frame);
}

void NetService::attach_worker(int worker, UniqueFd channel) {
    net::frames::size_buffers(channel.get());
    std::lock_guard lock(mutex_);
    if (auto old = workers_.find(worker); old != workers_.end())
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, old->second.get(), nullptr);
    epoll_event ev{EPOLLIN, {.u64 = kWorkerTag | static_cast<uint32_t>(worker)}};
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, channel.get(), &ev);
    for (auto& [key, record] : ports_)
        if (record.worker == worker) record.sink->set_channel(channel.get());
    workers_[worker] = std::move(channel);
}

void NetService::detach_worker(int worker) {
    std::lock_guard lock(mutex_);
    auto it = workers_.find(worker);
    if (it == workers_.end()) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.get(), nullptr);
    for (auto& [key, record] : ports_)
        if (record.worker == worker) record.sink->set_channel(-1);
    workers_.erase(it);
}

} // namespace sf::host
