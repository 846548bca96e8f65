// superfluid toolstack: GuestDescription, what a snapshot's or a migration's
// Host record says about a guest (docs/migration.md): enough for another
// sfd to prepare a place for it before the guest's own state arrives.
#pragma once

#include "common/result.h"
#include "host/guest_store.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sf::host {

struct DescribedNic {
    std::string network;
    std::string subnet; // the destination's network of that name must have the same subnet
    std::string mac;
    std::string ip;
};

struct GuestDescription {
    std::string name;
    std::string image;
    uint64_t mem_size = 0;
    std::string cmdline;
    bool store = false;     // the guest had store access (hypercalls)
    bool paused = false;    // it was paused (it arrives paused)
    uint64_t source_id = 0; // its id where it was: informs only (a receiver picks its own)
    std::optional<DescribedNic> nic;

    nlohmann::json to_json() const;
    // InvalidArgument naming the first missing or malformed field.
    static Result<GuestDescription> from_json(const nlohmann::json& json);
};

// The Commit record's payload: the guest's store subtree data/.
nlohmann::json data_to_json(const std::vector<DataEntry>& entries);
Result<std::vector<DataEntry>> data_from_json(const nlohmann::json& json);

} // namespace sf::host
