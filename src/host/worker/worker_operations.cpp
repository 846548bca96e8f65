// superfluid worker: starting the long operations (save, restore,
// migrate_out, migrate_in) on their threads and sending their replies.
#include "host/worker/worker.h"

#include "common/json_fields.h"
#include "host/protocol.h"
#include "host/worker/worker_requests.h"

namespace sf::host {

Result<void> Worker::launch(const nlohmann::json& request, uint64_t request_id, UniqueFd fd) {
    const std::string op = string_field(request, "op");
    SF_TRY_ASSIGN(uint64_t id, field_u64(request, "id"));
    if (!fd.valid()) return error(ErrorKind::InvalidArgument, "'{}' needs a descriptor passed with it", op);
    LongOperations::Job job;
    if (op == "save") job = [this, id](int file, std::stop_token stop) { return save(id, file, stop); };
    else if (op == "restore")
        job = [this, request](int file, std::stop_token stop) { return restore(request, file, stop); };
    else if (op == "migrate_out")
        job = [this, request](int socket, std::stop_token stop) { return migrate_out(request, socket, stop); };
    else if (op == "migrate_in")
        job = [this, request](int socket, std::stop_token stop) { return migrate_in(request, socket, stop); };
    else return error(ErrorKind::InvalidArgument, "unknown op '{}'", op);
    return operations_.launch(id, request_id, std::move(fd), std::move(job));
}

void Worker::reply(uint64_t request_id, const Result<nlohmann::json>& outcome) {
    const std::string payload = (outcome ? *outcome : error_reply(outcome.error())).dump();
    std::lock_guard lock(send_mutex_);
    (void)wire::send(config_.control_fd, wire::Type::Reply, request_id, 0, payload);
}

} // namespace sf::host
