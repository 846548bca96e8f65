// superfluid store: Permissions, parsing and access (XenStore's model).
#include "store/permissions.h"

#include <fmt/format.h>

namespace sf::store {
namespace {

inline constexpr uint32_t kMaxWireDomainId = 0xffff; // domid_t is 16 bits

std::optional<Access> access_from_letter(char letter) {
    switch (letter) {
    case 'n': return Access::None;
    case 'r': return Access::Read;
    case 'w': return Access::Write;
    case 'b': return Access::Both;
    default: return std::nullopt;
    }
}

char letter_of(Access access) {
    switch (access) {
    case Access::None: return 'n';
    case Access::Read: return 'r';
    case Access::Write: return 'w';
    case Access::Both: return 'b';
    }
    return 'n';
}

// One entry: access letter then a decimal domid (digits only).
std::optional<Permission> parse_entry(std::string_view entry) {
    if (entry.size() < 2) return std::nullopt;
    auto access = access_from_letter(entry[0]);
    if (!access) return std::nullopt;
    std::string_view digits = entry.substr(1);
    if (digits.size() > 5) return std::nullopt;
    uint32_t domid = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        domid = domid * 10 + static_cast<uint32_t>(c - '0');
    }
    if (domid > kMaxWireDomainId) return std::nullopt;
    return Permission{domid, *access};
}

} // namespace

Access Permissions::access_of(DomainId domid) const {
    if (entries.empty()) return Access::None;
    if (entries[0].domid == domid) return Access::Both;
    for (size_t i = 1; i < entries.size(); ++i) {
        if (entries[i].domid == domid) return entries[i].access;
    }
    return entries[0].access;
}

std::optional<Permissions> Permissions::parse(std::string_view wire) {
    if (!wire.empty() && wire.back() == '\0') wire.remove_suffix(1);
    if (wire.empty()) return std::nullopt;
    Permissions perms;
    size_t start = 0;
    while (start <= wire.size()) {
        size_t end = wire.find('\0', start);
        if (end == std::string_view::npos) end = wire.size();
        auto entry = parse_entry(wire.substr(start, end - start));
        if (!entry) return std::nullopt;
        perms.entries.push_back(*entry);
        start = end + 1;
    }
    return perms;
}

std::string Permissions::to_wire() const {
    std::string wire;
    for (const Permission& entry : entries) {
        wire += letter_of(entry.access);
        wire += fmt::format("{}", entry.domid);
        wire += '\0';
    }
    return wire;
}

Permissions Permissions::owned_by(DomainId owner) {
    return Permissions{{Permission{owner, Access::None}}};
}

} // namespace sf::store
