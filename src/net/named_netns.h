// superfluid switch: named network namespaces, as `ip netns` makes them.
//
// A named namespace is a network namespace bound (a bind mount of its nsfs
// file) at /run/netns/NAME, so it lives on without a process in it, other
// programs join it by that path (`ip netns exec NAME`, an OCI runtime's
// "network" namespace "path"), and it outlives the process that made it.
// /run/netns is made a shared mount first, as iproute2 does, so the binding
// is seen in mount namespaces made after it.
//
// Made from C++ without spawning `ip`: create() runs on a short-lived thread
// of its own that unshares its network namespace (a thread's namespace is its
// own), binds it, runs the caller's set-up inside it and ends; the calling
// thread's namespace never changes. in() joins an existing one the same way.
//
// remove() unbinds (lazy unmount) and deletes the name: the namespace ends,
// with every virtual interface in it (TAPs included, persistent or not),
// once no process and no descriptor holds it any more.
//
// Needs CAP_SYS_ADMIN (mounts, unshare). Threading: any thread.
#pragma once

#include "common/result.h"

#include <functional>
#include <string>
#include <vector>

namespace sf::net::netns {

inline constexpr const char* kRunDir = "/run/netns";

// /run/netns/NAME.
std::string path(const std::string& name);

// A new network namespace bound at path(name), after `setup` ran inside it
// (on another thread; `setup` may open descriptors there: they keep working
// from any thread). InvalidArgument for a name that is not one path
// component; Conflict if the name exists; Unavailable with the reason when
// the kernel refuses. On any error (setup's included) nothing is left bound.
Result<void> create(const std::string& name, const std::function<Result<void>()>& setup);

// Runs `body` on a thread that has joined namespace `name`. NotFound if
// there is no such name; Unavailable if it cannot be joined.
Result<void> in(const std::string& name, const std::function<Result<void>()>& body);

// Unbinds and deletes the name; NotFound if there was none.
Result<void> remove(const std::string& name);

// The names bound under /run/netns that start with `prefix`, sorted.
std::vector<std::string> names(const std::string& prefix);

} // namespace sf::net::netns
