// superfluid toolstack: sfd's networks, NIC leases and worker channels.
#include "host/net_service.h"
#include "host/net_service_parts.h"

#include "net/frame_channel.h"
#include "net/named_netns.h"
#include "vmm/guest_clock.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>

namespace sf::host {

namespace {

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
    struct stat home {};
    if (::stat("/proc/thread-self/ns/net", &home) != 0)
        return error("cannot read this thread's network namespace: {}", std::strerror(errno));
    std::unique_ptr<NetService> service(
        new NetService(options, std::move(epoll), std::move(wake), static_cast<uint64_t>(home.st_ino)));
    service->thread_ = std::thread([s = service.get()] { s->loop(); });
    return service;
}

NetService::NetService(NetServiceOptions options, UniqueFd epoll, UniqueFd wake, uint64_t home)
    : options_(options), epoll_(std::move(epoll)), wake_(std::move(wake)), home_(home),
      table_(net::NetworkTable::kDefaultMaxNetworks, options.switch_config) {}

NetService::~NetService() {
    stopping_ = true;
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
    thread_.join();
    std::lock_guard lock(mutex_);
    for (auto& [key, record] : ports_)
        if (record.container) record.container->tap().keep(); // its container may run on: restore_container
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
    state->container_pool = make_container_pool(request.name, network->l2_switch());
    if (!state->container_pool) return undo(), error("cannot make network {}'s container pool", request.name);
    find_unrestored(*state);
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
    const net::PortPoolStats c = state.container_pool->stats();
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
                              {"taken_cold", p.taken_cold}}},
                            {"container_pool",
                             {{"ready", c.ready},
                              {"target", c.target},
                              {"taken_warm", c.taken_warm},
                              {"taken_cold", c.taken_cold},
                              {"refill_errors", c.refill_errors},
                              {"last_error", c.last_error}}}};
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
    state->container_pool.reset(); // deletes the warm namespaces
    state->pool.reset();           // removes the warm ports and gives their MACs back
    for (const std::string& stale : state->unrestored)
        (void)net::netns::remove(stale);
    return ok();
}

Result<NetService::NetworkState*> NetService::find_network(const std::string& name) const {
    auto it = networks_.find(name);
    if (it == networks_.end()) return error(ErrorKind::NotFound, "no network {:?}", name);
    return it->second.get();
}

Result<net::Ipv4Address> NetService::take_address(NetworkState& state, const std::string& ip) {
    net::AddressPool& addresses = state.network->addresses();
    if (ip.empty()) return addresses.allocate();
    SF_TRY_ASSIGN(net::Ipv4Address address, net::Ipv4Address::parse(ip));
    SF_TRY(addresses.claim(address));
    return address;
}

Result<NicLease> NetService::lease(const std::string& network, const std::string& ip) {
    std::lock_guard lock(mutex_);
    SF_TRY_ASSIGN(NetworkState * state, find_network(network));
    SF_TRY_ASSIGN(net::Ipv4Address address, take_address(*state, ip));
    Result<net::PoolPort> port = state->pool->take();
    if (!port) {
        (void)state->network->addresses().release(address);
        return std::move(port).error();
    }
    auto sink = std::static_pointer_cast<GuestSink>(port->sink);
    const uint32_t key = sink->key();
    return record_lease(key, PortRecord{state, std::move(*port), std::move(sink), nullptr, address, -1, {}});
}

net::PortPool& NetService::pool_of(const PortRecord& record) const {
    return record.container ? *record.network->container_pool : *record.network->pool;
}

// With mutex_ held: binds the lease's port to its address and records its ARP
// entry and the lease (a container's eth0 joins the data plane), once its
// address, port and key are claimed. On an error (the port is gone or not
// MAC-locked: not expected) it gives them back.
Result<NicLease> NetService::record_lease(uint32_t key, PortRecord record) {
    NetworkState& state = *record.network;
    Result<void> bound = state.network->l2_switch().bind_address(record.port.port, record.ip);
    if (bound && record.container) {
        epoll_event ev{EPOLLIN, {.u64 = kContainerTag | key}};
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, record.container->tap().fd(), &ev) < 0)
            bound = error("epoll_ctl: {}", std::strerror(errno));
    }
    if (!bound) {
        (void)pool_of(record).release(record.port);
        (void)state.network->addresses().release(record.ip);
        keys_.release(key);
        return std::move(bound).error();
    }
    NicLease lease{key,
                   state.network->name(),
                   record.port.mac,
                   record.ip,
                   state.network->host_address(),
                   state.network->subnet().prefix(),
                   state.network->subnet().mask(),
                   record.container ? record.container->tap().path() : std::string()};
    state.arp.add(record.ip, record.port.mac);
    ports_[key] = std::move(record);
    return lease;
}

void NetService::reserve_keys(uint32_t highest_used) {
    keys_.reserve(highest_used);
}

Result<NicLease> NetService::restore(const std::string& network, const std::string& mac,
                                     const std::string& ip, uint32_t port_key) {
    return restore_lease(network, mac, ip, port_key, true, nullptr);
}

Result<NicLease> NetService::restore_lease(const std::string& network, const std::string& mac,
                                           const std::string& ip, uint32_t port_key, bool claim_key,
                                           std::shared_ptr<ContainerSink> container) {
    std::lock_guard lock(mutex_);
    SF_TRY_ASSIGN(NetworkState * found, find_network(network));
    NetworkState& state = *found;
    SF_TRY_ASSIGN(net::MacAddress mac_address, net::MacAddress::parse(mac));
    SF_TRY_ASSIGN(net::Ipv4Address address, net::Ipv4Address::parse(ip));
    if (claim_key) SF_TRY(keys_.claim(port_key));
    net::AddressPool& addresses = state.network->addresses();
    if (Result<void> claimed = addresses.claim(address); !claimed) {
        keys_.release(port_key);
        return std::move(claimed).error();
    }
    free_warm_mac(mac_address);
    std::shared_ptr<GuestSink> sink = container ? nullptr : std::make_shared<GuestSink>(port_key);
    net::PortPool& pool = container ? *state.container_pool : *state.pool;
    Result<net::PoolPort> port =
        pool.make_for(mac_address, container ? std::shared_ptr<net::PortSink>(container) : sink);
    if (!port) {
        (void)addresses.release(address);
        keys_.release(port_key);
        return std::move(port).error();
    }
    if (container) state.unrestored.erase(container->tap().netns());
    return record_lease(
        port_key,
        PortRecord{&state, std::move(*port), std::move(sink), std::move(container), address, -1, {}});
}

Result<NicLease> NetService::claim(const std::string& network, const std::string& mac,
                                   const std::string& ip) {
    return restore_lease(network, mac, ip, keys_.issue(), false, nullptr);
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
        if (state->pool->drop_warm(mac) || state->container_pool->drop_warm(mac)) return;
}

void NetService::bind(uint32_t port_key, int worker) {
    std::lock_guard lock(mutex_);
    auto it = ports_.find(port_key);
    if (it == ports_.end() || !it->second.sink) return;
    it->second.worker = worker;
    auto channel = workers_.find(worker);
    it->second.sink->set_channel(channel == workers_.end() ? -1 : channel->second.get());
}

void NetService::release(uint32_t port_key) {
    std::shared_ptr<ContainerSink> container; // deleted after the lock is let go (eth0, the namespace)
    std::lock_guard lock(mutex_);
    auto it = ports_.find(port_key);
    if (it == ports_.end()) return;
    PortRecord& record = it->second;
    if (record.container) {
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, record.container->tap().fd(), nullptr);
        container = record.container;
    }
    while (drain_worker(record.worker)) {
    } // frames it returned before its guest was destroyed (kReturned)
    if (!record.returned.empty()) {
        if (departed_.size() >= 64) departed_.clear(); // never taken: a bound, not a leak
        departed_[port_key] = std::move(record.returned);
    }
    if (record.sink) record.sink->set_channel(-1);
    record.network->arp.remove(record.ip);
    (void)record.network->network->addresses().release(record.ip);
    (void)pool_of(record).release(record.port);
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
    deliver(it->second, frame);
}

void NetService::attach_worker(int worker, UniqueFd channel) {
    net::frames::size_buffers(channel.get());
    std::lock_guard lock(mutex_);
    if (auto old = workers_.find(worker); old != workers_.end())
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, old->second.get(), nullptr);
    epoll_event ev{EPOLLIN, {.u64 = kWorkerTag | static_cast<uint32_t>(worker)}};
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, channel.get(), &ev);
    for (auto& [key, record] : ports_)
        if (record.sink && record.worker == worker) record.sink->set_channel(channel.get());
    workers_[worker] = std::move(channel);
}

void NetService::detach_worker(int worker) {
    std::lock_guard lock(mutex_);
    auto it = workers_.find(worker);
    if (it == workers_.end()) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.get(), nullptr);
    for (auto& [key, record] : ports_)
        if (record.sink && record.worker == worker) record.sink->set_channel(-1);
    workers_.erase(it);
}

} // namespace sf::host
