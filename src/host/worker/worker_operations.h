// superfluid worker: the dispatch table from sfd's request ops to the
// worker's operations, over the Worker's public interface. Ops answered at
// once run on the Worker on its main thread; the long ones (save, restore:
// WorkerSnapshots; migrate_out, migrate_in: WorkerMigrations) come with a
// descriptor and are launched on threads of their own (Worker::launch,
// LongOperations), replying when they end.
//
// Threading: the table is built once and never changes; its entries run on
// the worker's main thread.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "host/worker_api.h"

#include <nlohmann/json.hpp>

namespace sf::host {

class Worker;

// One op's entry: `serve` (answered at once) or `launch` (a long operation).
struct WorkerOperation {
    Result<worker_api::EncodedReply> (*serve)(Worker& worker, const nlohmann::json& request) = nullptr;
    Result<void> (*launch)(Worker& worker, const nlohmann::json& request, uint64_t request_id,
                           UniqueFd fd) = nullptr;
};

const WorkerOperation& worker_operation(worker_api::Op op);

} // namespace sf::host
