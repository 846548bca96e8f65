// superfluid monitor: snapshot format helpers (tag names, XXH3-64).
#include "vmm/snapshot/format.h"

#include <fmt/format.h>

#include <xxhash.h>

namespace sf::vmm::snapshot {

std::optional<const char*> tag_name(uint32_t tag) {
    switch (static_cast<Tag>(tag)) {
    case Tag::Host: return "Host";
    case Tag::Reply: return "Reply";
    case Tag::Commit: return "Commit";
    case Tag::Challenge: return "Challenge";
    case Tag::Frames: return "Frames";
    case Tag::Memory: return "Memory";
    case Tag::GuestState: return "GuestState";
    case Tag::Vcpu: return "Vcpu";
    case Tag::Nic: return "Nic";
    case Tag::StorePort: return "StorePort";
    case Tag::Console: return "Console";
    case Tag::Watches: return "Watches";
    case Tag::GuestEnd: return "GuestEnd";
    case Tag::End: return "End";
    }
    return std::nullopt;
}

std::string describe_tag(uint32_t tag) {
    if (auto name = tag_name(tag)) return *name;
    return fmt::format("tag {}", tag);
}

uint64_t checksum(std::span<const uint8_t> bytes) {
    return XXH3_64bits(bytes.data(), bytes.size());
}

Checksum::Checksum() : state_(XXH3_createState()) {
    if (state_ == nullptr) std::abort(); // out of memory for 576 bytes
    XXH3_64bits_reset(static_cast<XXH3_state_t*>(state_));
}

Checksum::~Checksum() {
    XXH3_freeState(static_cast<XXH3_state_t*>(state_));
}

void Checksum::update(std::span<const uint8_t> bytes) {
    XXH3_64bits_update(static_cast<XXH3_state_t*>(state_), bytes.data(), bytes.size());
}

uint64_t Checksum::digest() const {
    return XXH3_64bits_digest(static_cast<const XXH3_state_t*>(state_));
}

} // namespace sf::vmm::snapshot
