// superfluid toolstack: GuestService, what sfd does for its API.
//
// The HTTP layer (api_server) parses and validates requests into these
// types, calls the service, and maps Error kinds to statuses:
// InvalidArgument 400, NotFound 404, Conflict 409, ResourceExhausted 409,
// Unavailable 503, Internal 500. The service (the guest table over the
// worker processes) never sees HTTP.
//
// Threading: every method may be called from many threads at once.
#pragma once

#include "common/result.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::host {

enum class GuestState { Created, Running, Paused, Exited, Crashed };
const char* to_string(GuestState state);
// The state named `name` (as to_string writes it); nullopt for any other text.
std::optional<GuestState> parse_guest_state(std::string_view name);
inline bool has_ended(GuestState state) {
    return state == GuestState::Exited || state == GuestState::Crashed;
}

// A guest's NIC as the API shows it.
struct NicInfo {
    std::string network; // network name
    std::string mac;     // "02:xx:xx:xx:xx:xx"
    std::string ip;      // dotted quad
    int prefix_len = 0;  // of the network's subnet
    std::string gateway; // the host's uplink address
};
nlohmann::json to_json(const NicInfo& info);

// A network as the API shows it.
struct NetworkInfo {
    std::string name;
    std::string subnet;       // "10.0.0.0/24"
    std::string host_address; // the uplink TAP's address (the subnet's first)
    std::string uplink;       // the uplink TAP's interface name (== name)
    uint64_t guests = 0;      // guest addresses in use
    uint64_t free_addresses = 0;
    nlohmann::json stats; // switch counters: {"frames", "flooded", "dropped", ...} and the port pool's
};
nlohmann::json to_json(const NetworkInfo& info);

struct CreateNetworkRequest {
    std::string name;   // 1-15 bytes of [A-Za-z0-9._-], becomes the uplink's interface name
    std::string subnet; // CIDR, e.g. "10.0.0.0/24"
};

struct GuestInfo {
    uint64_t id = 0;
    std::string name;
    std::string kind = "vm"; // its GuestKind's name: "vm" or "container"
    std::string image;       // absolute path (a container: its bundle or rootfs directory)
    uint64_t mem_size = 0;
    std::string cmdline; // a container: its process's arguments, joined by spaces
    GuestState state = GuestState::Created;
    std::optional<int32_t> exit_status; // Exited
    std::optional<std::string> reason;  // Crashed: why
    int worker = -1;        // index of the worker process hosting it (a container: its monitor's, 0)
    std::string created_at; // RFC 3339, UTC
    std::optional<double> first_output_ms; // from the create request to the first console byte
    uint64_t console_bytes = 0;            // console bytes written since start
    std::optional<NicInfo> nic;            // with --net: its one NIC
};
nlohmann::json to_json(const GuestInfo& info);

struct CreateRequest {
    std::string image; // a VM's image, as given; the service resolves and checks it
    std::string name;  // empty: the service picks "guest-<id>"
    uint64_t mem_size = 4ull << 20;
    std::string cmdline; // a VM's command line
    std::string net;     // non-empty: one NIC on this network
    std::string ip;      // with net: the address asked for (empty: the network picks one)
    bool start = true;
    // Return only once the guest has written its first console byte. If it
    // ends first: Conflict, saying how it ended; if `wait_timeout` passes
    // first: Unavailable. Either way the guest stays (it runs on, or its
    // record shows how it ended).
    bool wait_for_output = false;
    std::chrono::milliseconds wait_timeout{10000};
    std::string kind = "vm"; // "vm" or "container": which GuestKind makes it
    // A container: exactly one of `bundle` (an OCI bundle directory, its
    // config.json) and `rootfs` (a root filesystem directory; sfd writes the
    // bundle), both absolute; its process's arguments (empty: the bundle's,
    // or /bin/sh for a rootfs); its pid limit (0: the kind's default).
    std::string bundle{};
    std::string rootfs{};
    std::vector<std::string> args{};
    uint64_t pids = 0;
};

// Snapshots and migration (docs/migration.md).
struct SaveRequest {
    std::string file;  // a name in the snapshot directory (SnapshotDir; replaced if it exists)
    bool keep = false; // leave the guest running (default: it is destroyed once saved, like `xl save`)
};
struct SaveResult {
    GuestInfo guest;  // as it was saved
    std::string file; // the path written, in the snapshot directory
    uint64_t bytes = 0;
    uint64_t pages = 0;
    double ms = 0;
};
nlohmann::json to_json(const SaveResult& result);

struct RestoreRequest {
    std::string file;  // a name in the snapshot directory (SnapshotDir)
    std::string name;  // empty: the saved name
    bool start = true; // false: leave it paused
};

struct MigrateRequest {
    std::string to; // "HOST[:PORT]" of the receiving sfd (default port 7440)
};
struct MigrateResult {
    std::string guest;
    std::string to;
    double total_ms = 0;    // request to guest running at the destination
    double downtime_ms = 0; // guest paused here to running there (acknowledged)
    uint64_t bytes_sent = 0;
    uint64_t rounds = 0;
    nlohmann::json phases; // the worker's own figures (precopy_ms, stop_copy_ms, pages_sent)
};
nlohmann::json to_json(const MigrateResult& result);

struct HostInfo {
    nlohmann::json json; // workers, pool, guest counts, limits; see docs/api.yaml
};

// Receives console bytes while a follow is active, on the thread that called
// follow_console (it may block, e.g. on a slow client). It is also called with
// no bytes at least every 200 ms while the guest is quiet, so that a caller
// whose client has gone (or whose server is stopping) can end the follow by
// returning false. Return false to stop.
using ConsoleCallback = std::function<bool(std::string_view bytes)>;

// What sfd does for its API, by concern: the guests and the host, networks,
// and transfers (snapshots and migration). ApiServer takes one of each.
class GuestService {
  public:
    virtual ~GuestService() = default;

    virtual Result<GuestInfo> create(const CreateRequest& request) = 0;
    // `ref` is a decimal id or a name.
    virtual Result<GuestInfo> info(const std::string& ref) = 0;
    virtual Result<std::vector<GuestInfo>> list() = 0;
    virtual Result<GuestInfo> start(const std::string& ref) = 0;
    virtual Result<GuestInfo> pause(const std::string& ref) = 0;
    virtual Result<GuestInfo> resume(const std::string& ref) = 0;
    virtual Result<void> destroy(const std::string& ref) = 0;
    // The console ring's content (at most the ring size, oldest bytes dropped).
    virtual Result<std::string> logs(const std::string& ref) = 0;
    // Sends the ring's content, then new bytes as they come, until the callback
    // returns false or the guest ends (then returns).
    virtual Result<void> follow_console(const std::string& ref, const ConsoleCallback& callback) = 0;
    virtual Result<HostInfo> host_info() = 0;
};

class NetworkService {
  public:
    virtual ~NetworkService() = default;

    // create: InvalidArgument (name, subnet), Conflict (name taken, subnet
    // overlaps, interface exists). remove: NotFound, Conflict while guests
    // are attached.
    virtual Result<NetworkInfo> create_network(const CreateNetworkRequest& request) = 0;
    virtual Result<std::vector<NetworkInfo>> list_networks() = 0;
    virtual Result<NetworkInfo> network_info(const std::string& name) = 0;
    virtual Result<void> remove_network(const std::string& name) = 0;
};

class TransferService {
  public:
    virtual ~TransferService() = default;

    // Snapshots: NotFound, Conflict (state, busy, name/address taken at
    // restore), InvalidArgument (a bad file, with what is wrong with it).
    virtual Result<SaveResult> save(const std::string& ref, const SaveRequest& request) = 0;
    virtual Result<GuestInfo> restore(const RestoreRequest& request) = 0;
    // Moves a running or paused guest to another sfd. Any failure leaves it
    // here as it was.
    virtual Result<MigrateResult> migrate(const std::string& ref, const MigrateRequest& request) = 0;
};

// The three services the API serves; one object may be all three (a test's fake).
struct ApiServices {
    ApiServices(GuestService& guest_service, NetworkService& network_service,
                TransferService& transfer_service)
        : guests(guest_service), networks(network_service), transfers(transfer_service) {}
    template <class All>
    requires std::derived_from<All, GuestService> && std::derived_from<All, NetworkService> &&
        std::derived_from<All, TransferService>
        ApiServices(All& all) : guests(all), networks(all), transfers(all) {}

    GuestService& guests;
    NetworkService& networks;
    TransferService& transfers;
};

} // namespace sf::host
