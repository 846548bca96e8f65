// superfluid store: node paths, XenStore's rules.
//
// A canonical path is absolute: "/" or "/a/b" with components of
// [A-Za-z0-9_@.-] (no empty component, no trailing slash). A relative path
// ("data/page") is resolved under the caller's home, /local/domain/<domid>.
// Special paths "@introduceDomain" and "@releaseDomain" exist only for watches.
#pragma once

#include "store/errors.h"
#include "store/permissions.h"

#include <string>
#include <string_view>

namespace sf::store {

inline constexpr size_t kMaxAbsolutePath = 3072; // XENSTORE_ABS_PATH_MAX
inline constexpr size_t kMaxRelativePath = 2048; // XENSTORE_REL_PATH_MAX
inline constexpr size_t kMaxDepth = 64;          // components

inline constexpr std::string_view kIntroduceDomain = "@introduceDomain";
inline constexpr std::string_view kReleaseDomain = "@releaseDomain";

// "/local/domain/<domid>"
std::string domain_path(DomainId domid);

// Resolves `path` for `domid` and checks it: the canonical absolute path, or
// Invalid (bad character, empty component, trailing slash, too long, too deep).
// `allow_special` admits the two @ paths (watch and unwatch only).
StoreResult<std::string> resolve_path(std::string_view path, DomainId domid, bool allow_special = false);

// "/a/b" -> "/a"; "/a" -> "/"; "/" -> "/".
std::string_view parent_of(std::string_view canonical);
// "/a/b" -> "b"; "/" -> "".
std::string_view basename_of(std::string_view canonical);
// Whether `path` is `ancestor` or below it, by whole components ("/a" is not an ancestor of "/ab").
bool is_at_or_below(std::string_view path, std::string_view ancestor);
// `parent` + "/" + `name` ("/" + "a" = "/a").
std::string child_path(std::string_view parent, std::string_view name);

} // namespace sf::store
