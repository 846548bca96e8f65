// superfluid switch: NetworkTable.
#include "net/network_table.h"

namespace sf::net {

Result<std::shared_ptr<Network>> NetworkTable::create(std::string_view name, std::string_view subnet_text) {
    SF_TRY(Network::check_name(name));
    SF_TRY_ASSIGN(Ipv4Cidr subnet, Ipv4Cidr::parse(subnet_text));
    std::lock_guard lock(mutex_);
    if (networks_.find(name) != networks_.end())
        return error(ErrorKind::Conflict, "a network named '{}' exists already", name);
    if (networks_.size() >= max_networks_)
        return error(ErrorKind::ResourceExhausted, "this host has its maximum of {} networks", max_networks_);
    for (const auto& [other_name, other] : networks_)
        if (other->subnet().overlaps(subnet))
            return error(ErrorKind::Conflict, "subnet {} overlaps {} of network '{}'", subnet.to_string(),
                         other->subnet().to_string(), other_name);
    SF_TRY_ASSIGN(std::shared_ptr<Network> network, Network::create(name, subnet, switch_config_));
    networks_.emplace(std::string(name), network);
    return network;
}

Result<void> NetworkTable::remove(std::string_view name) {
    std::lock_guard lock(mutex_);
    auto it = networks_.find(name);
    if (it == networks_.end()) return error(ErrorKind::NotFound, "no network named '{}'", name);
    if (uint64_t used = it->second->addresses().in_use_count(); used > 0)
        return error(ErrorKind::Conflict, "network '{}' still has {} guest address(es) in use", name, used);
    networks_.erase(it);
    return ok();
}

Result<std::shared_ptr<Network>> NetworkTable::find(std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = networks_.find(name);
    if (it == networks_.end()) return error(ErrorKind::NotFound, "no network named '{}'", name);
    return it->second;
}

std::vector<std::shared_ptr<Network>> NetworkTable::list() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Network>> all;
    all.reserve(networks_.size());
    for (const auto& item : networks_)
        all.push_back(item.second);
    return all;
}

size_t NetworkTable::size() const {
    std::lock_guard lock(mutex_);
    return networks_.size();
}

} // namespace sf::net
