// superfluid toolstack: NetService's container NICs (net_service.h): their
// leases, their warm pools, and an earlier sfd's namespaces.
#include "host/net_service.h"
#include "host/net_service_parts.h"

#include "net/named_netns.h"

#include <algorithm>
#include <cstdio>

namespace sf::host {

std::string NetService::container_netns_prefix(const std::string& network) const {
    return fmt::format("sf-{:x}-{}-", home_, network);
}

std::string NetService::container_netns(const std::string& network, uint32_t key) const {
    return container_netns_prefix(network) + std::to_string(key);
}

// A pool with no target yet (lease_container sets it): no namespace is made
// for a network until it has a container.
std::unique_ptr<net::PortPool> NetService::make_container_pool(const std::string& network,
                                                               net::L2Switch& l2_switch) {
    auto factory = [this, network](net::MacAddress mac) -> Result<std::shared_ptr<net::PortSink>> {
        const uint32_t key = keys_.issue();
        SF_TRY_ASSIGN(std::unique_ptr<net::NetnsTap> tap,
                      net::NetnsTap::create(container_netns(network, key), mac));
        return std::shared_ptr<net::PortSink>(std::make_shared<ContainerSink>(key, std::move(tap)));
    };
    Result<std::unique_ptr<net::PortPool>> pool = net::PortPool::create(l2_switch, macs_, factory, 0, true);
    return pool ? std::move(*pool) : nullptr;
}

Result<NicLease> NetService::lease_container(const std::string& network, const std::string& ip) {
    NetworkState* state = nullptr;
    net::Ipv4Address address;
    {
        std::lock_guard lock(mutex_);
        SF_TRY_ASSIGN(state, find_network(network));
        SF_TRY_ASSIGN(address, take_address(*state, ip));
        if (!state->containers_started) {
            state->containers_started = true;
            state->container_pool->set_target(options_.container_pool);
        }
    }
    // Unlocked: a cold port makes its namespace now (the data plane goes on).
    // The network stays: it cannot be removed while this lease holds an address.
    const net::Network& n = *state->network;
    // The refill waits for eth0's set-up: both take the kernel's rtnl lock.
    Result<net::PoolPort> port = state->container_pool->take(net::PortPool::Refill::Later);
    std::shared_ptr<ContainerSink> sink;
    Result<void> configured;
    if (port) {
        sink = std::static_pointer_cast<ContainerSink>(port->sink);
        configured = sink->tap().configure(address, n.subnet().mask(), n.host_address());
    }
    state->container_pool->wake_refill();
    std::lock_guard lock(mutex_);
    if (!port || !configured) {
        (void)state->network->addresses().release(address);
        if (port) (void)state->container_pool->release(*port);
        return port ? std::move(configured).error() : std::move(port).error();
    }
    const uint32_t key = sink->key();
    return record_lease(key, PortRecord{state, std::move(*port), nullptr, std::move(sink), address, -1, {}});
}

Result<NicLease> NetService::restore_container(const std::string& network, const std::string& mac,
                                               const std::string& ip, uint32_t port_key) {
    SF_TRY_ASSIGN(std::unique_ptr<net::NetnsTap> tap,
                  net::NetnsTap::attach(container_netns(network, port_key)));
    auto sink = std::make_shared<ContainerSink>(port_key, std::move(tap));
    Result<NicLease> lease = restore_lease(network, mac, ip, port_key, true, sink);
    if (!lease) sink->tap().keep(); // the container's interface stays as it was
    return lease;
}

// Before `state` is published: every namespace of its network an earlier
// sfd left is deleted now, unless reserve_keys() kept its key for a survivor.
void NetService::find_unrestored(NetworkState& state) {
    const std::string prefix = container_netns_prefix(state.network->name());
    for (const std::string& name : net::netns::names(prefix)) {
        const std::string key_text = name.substr(prefix.size());
        const bool digits =
            !key_text.empty() && key_text.size() <= 10 &&
            std::all_of(key_text.begin(), key_text.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits) continue; // another network's (its name goes on with a '-')
        const uint64_t key = std::stoull(key_text);
        if (key <= UINT32_MAX && keys_.claimable(static_cast<uint32_t>(key)))
            state.unrestored.insert(name);
        else if (Result<void> removed = net::netns::remove(name); !removed)
            std::fprintf(stderr, "sfd: %s\n", removed.error().message.c_str());
    }
}

void NetService::remove_unrestored() {
    std::vector<std::string> names;
    {
        std::lock_guard lock(mutex_);
        for (auto& [network, state] : networks_) {
            names.insert(names.end(), state->unrestored.begin(), state->unrestored.end());
            state->unrestored.clear();
        }
    }
    for (const std::string& name : names)
        if (Result<void> removed = net::netns::remove(name); !removed)
            std::fprintf(stderr, "sfd: %s\n", removed.error().message.c_str());
}

} // namespace sf::host
