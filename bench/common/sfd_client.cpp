// sf-bench: sfd API client; see sfd_client.h. The HTTP work is sfctl's
// client (src/cli/client.h); this adds the timing a benchmark needs.
#include "bench/common/sfd_client.h"

#include "cli/client.h"
#include "common/json_fields.h"

#include <chrono>

namespace sf::bench {

SfdClient::SfdClient(const std::string& socket_path) : socket_path_(socket_path) {}
SfdClient::~SfdClient() = default;

Result<cli::SfdClient*> SfdClient::connection() {
    if (!client_) {
        cli::DaemonAddress address;
        address.socket_path = socket_path_;
        SF_TRY_ASSIGN(cli::SfdClient client, cli::SfdClient::open(address));
        client_ = std::make_unique<cli::SfdClient>(std::move(client));
    }
    return client_.get();
}

Result<nlohmann::json> SfdClient::host() {
    SF_TRY_ASSIGN(cli::SfdClient * client, connection());
    return client->host_info();
}

Result<CreatedGuest> SfdClient::create_guest(const GuestRequest& request) {
    SF_TRY_ASSIGN(cli::SfdClient * client, connection());
    nlohmann::json body = {
        {"name", request.name},
        {"mem", request.mem},
        {"start", true},
        {"wait", "output"},
        {"wait_timeout_ms", request.wait_timeout.count()},
    };
    if (request.kind == "container") {
        body["kind"] = "container";
        body["rootfs"] = request.rootfs;
        if (!request.args.empty()) body["args"] = request.args;
    } else {
        body["image"] = request.image;
        body["cmdline"] = request.cmdline;
    }
    if (!request.net.empty()) body["net"] = request.net;
    if (!request.ip.empty()) body["ip"] = request.ip;
    const auto start = std::chrono::steady_clock::now();
    Result<nlohmann::json> guest = client->create(body);
    const auto end = std::chrono::steady_clock::now();
    if (!guest) return error("POST /v1/guests: {}", guest.error().message);
    CreatedGuest created;
    created.client_ms = std::chrono::duration<double, std::milli>(end - start).count();
    created.id = u64_field(*guest, "id");
    if (created.id == 0) return error("POST /v1/guests: the guest object has no numeric id");
    // An sfd that made another kind than asked (or knows of one kind only and says so) made no such guest.
    if (const nlohmann::json* kind = json_field(*guest, "kind");
        kind != nullptr && kind->is_string() && kind->get<std::string>() != request.kind) {
        (void)destroy_guest(created.id);
        return error("POST /v1/guests: asked for a {}, sfd made guest {} of kind {}", request.kind,
                     created.id, kind->get<std::string>());
    }
    if (const nlohmann::json* ms = json_field(*guest, "first_output_ms"); ms && ms->is_number())
        created.first_output_ms = ms->get<double>();
    // A guest counts as created only once it wrote: an sfd that answers 201
    // for one that ended first (as sfd did before it said 409) made it count.
    if (!created.first_output_ms) {
        const nlohmann::json* state = json_field(*guest, "state");
        const std::string shown = state && state->is_string() ? state->get<std::string>() : "in no state";
        (void)destroy_guest(created.id); // nothing left behind; its own error would hide this one
        return error("POST /v1/guests: guest {} is {} and wrote no console output: not counted as created",
                     created.id, shown);
    }
    const nlohmann::json* nic = json_field(*guest, "nic");
    const nlohmann::json* ip = nic != nullptr && nic->is_object() ? json_field(*nic, "ip") : nullptr;
    if (ip != nullptr && ip->is_string()) created.ip = ip->get<std::string>();
    return created;
}

Result<void> SfdClient::destroy_guest(uint64_t id) {
    SF_TRY_ASSIGN(cli::SfdClient * client, connection());
    if (Result<void> done = client->destroy(std::to_string(id)); !done)
        return error("DELETE /v1/guests/{}: {}", id, done.error().message);
    return ok();
}

} // namespace sf::bench

namespace sf::bench {

Result<void> SfdClient::create_network(const std::string& name, const std::string& subnet) {
    SF_TRY_ASSIGN(cli::SfdClient * client, connection());
    if (auto created = client->create_network(name, subnet); !created)
        return error("POST /v1/networks: {}", created.error().message);
    return ok();
}

} // namespace sf::bench
