// superfluid toolstack: GuestKind, what sfd does with a guest that depends on
// what kind of guest it is.
//
// The registry, the API's services and the CLI know guests by record; what
// builds, runs and stops one goes through its kind. Today the one kind is a
// VM in a worker process (VmGuests; how that worker runs it, KVM or the
// process backend, is the monitor's backend seam, not this one), or an OCI
// container run by crun or runc under sfd's container monitor
// (ContainerGuests): a kind of its own beside VmGuests, not a branch in the
// code that uses this interface. Guests picks a create's kind by the
// request's "kind" (the kind's name()).
//
// `where` is the kind's own placement of a guest (for VMs, a worker slot),
// chosen by place() and kept in the guest's record (GuestInfo::worker).
#pragma once

#include "common/result.h"
#include "host/guest_service.h"
#include "host/net_service.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sf::host {

// A guest as its kind knows it.
struct GuestRef {
    uint64_t id = 0;
    int where = -1;
};

// What a container is built from besides its GuestLaunch (CreateRequest's fields).
struct ContainerLaunch {
    std::string bundle;            // an OCI bundle directory (its config.json), or
    std::string rootfs;            // a root filesystem directory: the kind writes the bundle
    std::vector<std::string> args; // empty: the bundle's, or /bin/sh
    uint64_t pids = 0;             // its pid limit; 0: the kind's default
};

// What a new guest is built from.
struct GuestLaunch {
    GuestRef guest;
    std::string name;
    std::string image; // absolute path (a container: its bundle or rootfs)
    uint64_t mem_size = 0;
    std::string cmdline;
    bool start = true;
    std::optional<NicLease> nic; // bound to `where` before the guest is built; a container's has a netns
    std::optional<ContainerLaunch> container{}; // a container's own fields
};

enum class GuestChange : uint8_t { Start, Pause, Resume };

class GuestKind {
  public:
    virtual ~GuestKind() = default;

    virtual std::string_view name() const = 0; // "vm", "container"

    // The kind's own checks of a create request (sizes, paths), before
    // anything is admitted: InvalidArgument naming the field, or
    // Unavailable when the kind cannot make guests on this host.
    virtual Result<void> check(const CreateRequest& request) = 0;
    // What the record shows of a request: {image, cmdline} (GuestInfo).
    virtual std::pair<std::string, std::string> describe(const CreateRequest& request) const = 0;

    // Called with the registry's lock held (GuestRegistry::admit): where a
    // new guest goes, counted there until release().
    virtual Result<int> place() = 0;
    // Called with the registry's lock held: the guest's record is gone. `held`:
    // its holder still had it (false once, say, its worker process died).
    virtual void release(const GuestRef& guest, bool held) = 0;
    // Called with the registry's lock held: frames for NIC `port_key` go to
    // the guest at `where` from now on (before the guest can send).
    virtual void bind_nic(uint32_t port_key, int where) = 0;

    // Builds the guest (its record exists, its NIC is bound), started if `launch.start`.
    virtual Result<void> create(const GuestLaunch& launch) = 0;
    virtual Result<void> change(const GuestRef& guest, GuestChange change) = 0;
    // Stops and frees the guest. NotFound or Unavailable: its holder has it no more.
    virtual Result<void> destroy(const GuestRef& guest) = 0;
    // Console bytes written since it started.
    virtual Result<uint64_t> console_bytes(const GuestRef& guest) = 0;
    // The console ring's content.
    virtual Result<std::string> logs(const GuestRef& guest) = 0;
    // The ring's content now; from then on each new console byte also reaches
    // GuestRegistry::console() until unfollow().
    virtual Result<std::string> follow(const GuestRef& guest) = 0;
    virtual void unfollow(const GuestRef& guest) = 0;

    // The kind's own figures for /v1/host, merged into its top level (for
    // VMs: "workers", "max_workers", ...).
    virtual nlohmann::json figures() = 0;
};

} // namespace sf::host
