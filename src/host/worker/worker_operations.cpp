// superfluid worker: the dispatch table from sfd's request ops to the
// worker's operations.
#include "host/worker/worker_operations.h"

#include "host/worker/worker.h"

#include <array>

namespace sf::host {

using namespace worker_api;

namespace {

// The guest a long operation is about (one operation per guest at a time).
uint64_t guest_of(const Save& r) {
    return r.id;
}
uint64_t guest_of(const MigrateOut& r) {
    return r.id;
}
uint64_t guest_of(const Restore& r) {
    return r.guest.id;
}
uint64_t guest_of(const MigrateIn& r) {
    return r.guest.id;
}

template <class R, auto handler> Result<EncodedReply> serve_op(Worker& worker, const nlohmann::json& object) {
    SF_TRY_ASSIGN(const R request, decode_request<R>(object));
    SF_TRY_ASSIGN(const typename R::Reply reply, (worker.*handler)(request));
    return encode_reply(reply);
}

// `unit`: the Worker's accessor of the object whose `handler` runs the operation.
template <class R, auto unit, auto handler>
Result<void> launch_op(Worker& worker, const nlohmann::json& object, uint64_t request_id, UniqueFd fd) {
    SF_TRY_ASSIGN(R request, decode_request<R>(object));
    if (!fd.valid())
        return error(ErrorKind::InvalidArgument, "'{}' needs a descriptor passed with it", op_name(R::kOp));
    const uint64_t guest = guest_of(request);
    auto& owner = (worker.*unit)();
    auto job = [&owner, request = std::move(request)](int passed,
                                                      std::stop_token stop) -> LongOperations::Outcome {
        SF_TRY_ASSIGN(const typename R::Reply reply, (owner.*handler)(request, passed, stop));
        return encode_reply(reply);
    };
    return worker.launch(guest, request_id, std::move(fd), std::move(job));
}

const std::array<WorkerOperation, kOpCount>& operations() {
    static const std::array<WorkerOperation, kOpCount> table = [] {
        std::array<WorkerOperation, kOpCount> t{};
        auto at = [&t](Op op) -> WorkerOperation& { return t[static_cast<size_t>(op)]; };
        at(Op::Create).serve = &serve_op<Create, &Worker::create>;
        at(Op::Start).serve = &serve_op<Start, &Worker::start>;
        at(Op::Pause).serve = &serve_op<Pause, &Worker::pause>;
        at(Op::Resume).serve = &serve_op<Resume, &Worker::resume>;
        at(Op::Destroy).serve = &serve_op<Destroy, &Worker::destroy>;
        at(Op::Info).serve = &serve_op<Info, &Worker::info>;
        at(Op::Logs).serve = &serve_op<Logs, &Worker::logs>;
        at(Op::Follow).serve = &serve_op<Follow, &Worker::follow>;
        at(Op::Unfollow).serve = &serve_op<Unfollow, &Worker::unfollow>;
        at(Op::Stats).serve = &serve_op<Stats, &Worker::stats>;
        at(Op::Shutdown).serve = &serve_op<Shutdown, &Worker::shutdown>;
        at(Op::Adopt).serve = &serve_op<Adopt, &Worker::adopt>;
        at(Op::ReplayWatches).serve = &serve_op<ReplayWatches, &Worker::replay_watches>;
        at(Op::Save).launch = &launch_op<Save, &Worker::snapshots, &WorkerSnapshots::save>;
        at(Op::Restore).launch = &launch_op<Restore, &Worker::snapshots, &WorkerSnapshots::restore>;
        at(Op::MigrateOut).launch =
            &launch_op<MigrateOut, &Worker::migrations, &WorkerMigrations::migrate_out>;
        at(Op::MigrateIn).launch = &launch_op<MigrateIn, &Worker::migrations, &WorkerMigrations::migrate_in>;
        return t;
    }();
    return table;
}

} // namespace

const WorkerOperation& worker_operation(Op op) {
    return operations()[static_cast<size_t>(op)];
}

} // namespace sf::host
