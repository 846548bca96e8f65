// superfluid store: Permissions of a node, XenStore's model.
//
// A list of (domain, access) entries. The first names the node's owner, and
// its access applies to every domain not listed later; later entries grant
// listed domains their access. The owner and privileged callers (dom0, the
// toolstack) may always read, write and change permissions.
//   access: 'n' none, 'r' read, 'w' write, 'b' both.
// Wire form: each entry as access letter + decimal domid, NUL-terminated,
// e.g. "n0\0r5\0" (owner dom0, nobody else but domain 5 may read).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::store {

using DomainId = uint32_t;
inline constexpr DomainId kDom0 = 0;
inline constexpr DomainId kMaxDomainId = 0x7fef; // DOMID_FIRST_RESERVED - 1, as in Xen

enum class Access : uint8_t { None = 0, Read = 1, Write = 2, Both = 3 };

struct Permission {
    DomainId domid = 0;
    Access access = Access::None;
    bool operator==(const Permission&) const = default;
};

struct Permissions {
    std::vector<Permission> entries; // never empty once set; [0] is the owner

    DomainId owner() const { return entries.empty() ? kDom0 : entries[0].domid; }
    // What `domid` may do on a node with these permissions (privileged callers are checked before).
    Access access_of(DomainId domid) const;
    bool operator==(const Permissions&) const = default;

    // Parses the wire form (a sequence of NUL-terminated entries; a missing
    // final NUL is accepted). nullopt when any entry is malformed or there are none.
    static std::optional<Permissions> parse(std::string_view wire);
    // The wire form, every entry NUL-terminated.
    std::string to_wire() const;
    // Owner `owner`, nobody else: "n<owner>".
    static Permissions owned_by(DomainId owner);
};

inline bool can_read(Access a) {
    return a == Access::Read || a == Access::Both;
}
inline bool can_write(Access a) {
    return a == Access::Write || a == Access::Both;
}

} // namespace sf::store
