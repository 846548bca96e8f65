// superfluid worker: the dispatch table from sfd's request ops to the
// worker's operations. Ops answered at once run on the main thread; the long
// ones (save, restore, migrate_out, migrate_in) come with a descriptor and
// run on threads of their own (LongOperations), replying when they end.
#include "host/worker/worker.h"

namespace sf::host {

using namespace worker_api;

struct Worker::Operation {
    Result<EncodedReply> (*serve)(Worker& worker, const nlohmann::json& request) = nullptr;
    Result<void> (*launch)(Worker& worker, const nlohmann::json& request, uint64_t request_id, UniqueFd fd) = nullptr;
};

namespace {

// The guest a long operation is about (one operation per guest at a time).
uint64_t guest_of(const Save& r) { return r.id; }
uint64_t guest_of(const MigrateOut& r) { return r.id; }
uint64_t guest_of(const Restore& r) { return r.guest.id; }
uint64_t guest_of(const MigrateIn& r) { return r.guest.id; }

} // namespace

template <class R, auto handler> Result<EncodedReply> Worker::serve_op(Worker& worker, const nlohmann::json& object) {
    SF_TRY_ASSIGN(const R request, decode_request<R>(object));
    SF_TRY_ASSIGN(const typename R::Reply reply, (worker.*handler)(request));
    return encode_reply(reply);
}

template <class R, auto handler>
Result<void> Worker::launch_op(Worker& worker, const nlohmann::json& object, uint64_t request_id, UniqueFd fd) {
    SF_TRY_ASSIGN(R request, decode_request<R>(object));
    if (!fd.valid())
        return error(ErrorKind::InvalidArgument, "'{}' needs a descriptor passed with it", op_name(R::kOp));
    const uint64_t guest = guest_of(request);
    auto job = [&worker, request = std::move(request)](int passed, std::stop_token stop) -> LongOperations::Outcome {
        SF_TRY_ASSIGN(const typename R::Reply reply, (worker.*handler)(request, passed, stop));
        return encode_reply(reply);
    };
    return worker.operations_.launch(guest, request_id, std::move(fd), std::move(job));
}

const std::array<Worker::Operation, kOpCount>& Worker::operations() {
    static const std::array<Operation, kOpCount> table = [] {
        std::array<Operation, kOpCount> t{};
        auto at = [&t](Op op) -> Operation& { return t[static_cast<size_t>(op)]; };
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
        at(Op::Save).launch = &launch_op<Save, &Worker::save>;
        at(Op::Restore).launch = &launch_op<Restore, &Worker::restore>;
        at(Op::MigrateOut).launch = &launch_op<MigrateOut, &Worker::migrate_out>;
        at(Op::MigrateIn).launch = &launch_op<MigrateIn, &Worker::migrate_in>;
        return t;
    }();
    return table;
}

std::optional<Op> Worker::serve_request(wire::Message& message) {
    const uint64_t request_id = message.header.request_id;
    Result<ParsedRequest> parsed = parse_request(message.payload);
    if (!parsed) {
        send_reply(request_id, encode_error(parsed.error()));
        return std::nullopt;
    }
    const Operation& operation = operations()[static_cast<size_t>(parsed->op)];
    if (operation.launch) {
        Result<void> launched = operation.launch(*this, parsed->object, request_id, std::move(message.fd));
        if (!launched) send_reply(request_id, encode_error(launched.error())); // else the job replies when done
        return parsed->op;
    }
    Result<EncodedReply> reply = operation.serve(*this, parsed->object);
    send_reply(request_id, reply ? *reply : encode_error(reply.error()));
    return parsed->op;
}

} // namespace sf::host
