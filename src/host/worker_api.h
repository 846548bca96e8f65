// superfluid toolstack: the operations sfd asks of a worker, typed.
//
// Each operation has one request struct (its `kOp`, its `Reply` type) and one
// reply struct. sfd and the worker both go through the one codec below, so
// neither side reads or writes a field by hand. On the wire (protocol.h) a
// request is one JSON object, the request's fields plus "op"; a reply is the
// reply's fields plus "ok": true, or {"error": "one line", "kind":
// ErrorKind}; the replies to Logs and Follow are raw console bytes. Events
// (worker -> sfd) are GuestEvent objects.
//
// The ops Save, Restore, MigrateOut and MigrateIn come with a descriptor
// (kTakesDescriptor: a snapshot file or a connected socket, see
// docs/migration.md "Worker operations") and are replied to when done, later
// than requests sent after them.
#pragma once

#include "common/result.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::host::worker_api {

// Tables, one line per op, reply or request (clang-format off, on).
// clang-format off
enum class Op : uint8_t {
    Create, Start, Pause, Resume, Destroy, Info, Logs, Follow, Unfollow,
    Stats, Shutdown, Adopt, ReplayWatches, Save, Restore, MigrateOut, MigrateIn,
};
// clang-format on
inline constexpr size_t kOpCount = static_cast<size_t>(Op::MigrateIn) + 1;
// The op's name on the wire ("create", "migrate_out", ...), and back.
std::string_view op_name(Op op);
std::optional<Op> parse_op(std::string_view name);

// A guest's NIC as its worker needs it: the switch port's key and the
// addresses its boot info carries (host byte order).
struct NicSpec {
    uint32_t port = 0;
    std::string mac; // "02:xx:xx:xx:xx:xx"
    uint32_t ip = 0, mask = 0, gw = 0;
    uint16_t mtu = 1500;
};

// What a worker needs to build a guest (Create, Restore, MigrateIn).
struct GuestSpec {
    uint64_t id = 0;
    std::string name;
    std::string image; // absolute path
    uint64_t mem = 0;  // bytes
    std::string cmdline;
    bool start = true;  // run it once built (Restore: resume it)
    bool store = false; // it may use its store hypercalls
    std::optional<NicSpec> nic;
};

// Replies.
// clang-format off
struct Done {};                                        // Create, Destroy, Shutdown
struct GuestStatus { uint64_t console_bytes = 0; };    // Start, Pause, Resume, Info, Unfollow
struct ConsoleBytes { std::string bytes; };            // Logs, Follow: the console ring's content
// clang-format on
struct WorkerStats {
    uint64_t guests = 0;
    nlohmann::json pool, scheduler, frames, store; // each part's own counters
    uint64_t templates = 0;
};
struct HeldGuest { // what a worker holds of one guest, for a restarted sfd
    uint64_t id = 0;
    std::string state; // GuestState's name
    std::optional<int32_t> status;
    std::optional<std::string> reason;
    uint64_t console_bytes = 0;
    std::optional<uint32_t> port;
};
// clang-format off
struct Held { std::vector<HeldGuest> guests; };
struct WatchesReplayed { uint64_t watches = 0; };
struct Saved { uint64_t bytes = 0, pages = 0; };
// clang-format on
// Restore and MigrateIn: the guest part read and built (paused unless started).
struct Built {
    uint64_t bytes = 0;
    double read_ms = 0, build_ms = 0;
    std::optional<nlohmann::json> session; // MigrateIn: the session's counts (MigrationSession)
};
struct Sent { // MigrateOut, once the receiver accepted the guest part
    uint64_t bytes_sent = 0, rounds = 0, pages_sent = 0;
    double precopy_ms = 0, stop_copy_ms = 0, reply_ms = 0;
    uint64_t paused_ns = 0; // CLOCK_MONOTONIC when the guest was paused
    std::optional<nlohmann::json> session;
};

// Requests. Each names its op, its reply, and whether a descriptor comes with it.
#define SF_WORKER_OP(op, reply, descriptor)                                                                  \
    static constexpr Op kOp = Op::op;                                                                        \
    static constexpr bool kTakesDescriptor = descriptor;                                                     \
    using Reply = reply

// clang-format off
struct Create { SF_WORKER_OP(Create, Done, false); GuestSpec guest; };
struct Start { SF_WORKER_OP(Start, GuestStatus, false); uint64_t id = 0; };
struct Pause { SF_WORKER_OP(Pause, GuestStatus, false); uint64_t id = 0; };
struct Resume { SF_WORKER_OP(Resume, GuestStatus, false); uint64_t id = 0; };
struct Destroy { SF_WORKER_OP(Destroy, Done, false); uint64_t id = 0; };
struct Info { SF_WORKER_OP(Info, GuestStatus, false); uint64_t id = 0; };
struct Logs { SF_WORKER_OP(Logs, ConsoleBytes, false); uint64_t id = 0; };
// After Follow, Console packets carry exactly the bytes written after the reply's.
struct Follow { SF_WORKER_OP(Follow, ConsoleBytes, false); uint64_t id = 0; };
struct Unfollow { SF_WORKER_OP(Unfollow, GuestStatus, false); uint64_t id = 0; };
struct Stats { SF_WORKER_OP(Stats, WorkerStats, false); };
struct Shutdown { SF_WORKER_OP(Shutdown, Done, false); };
// A restarted sfd took over: what the worker holds.
struct Adopt { SF_WORKER_OP(Adopt, Held, false); };
// Registers every guest's store watches again (their connections are new).
struct ReplayWatches { SF_WORKER_OP(ReplayWatches, WatchesReplayed, false); };
// + a file open for writing: the guest paused, its part of the stream written.
struct Save { SF_WORKER_OP(Save, Saved, true); uint64_t id = 0; };
// + a file positioned at the guest part.
struct Restore { SF_WORKER_OP(Restore, Built, true); GuestSpec guest; };
// clang-format on
// + a connected socket: pre-copy, pause, the rest, the receiver's verdict.
struct MigrateOut {
    SF_WORKER_OP(MigrateOut, Sent, true);
    uint64_t id = 0;
    uint64_t timeout_ms = 5000;
    std::optional<nlohmann::json> session; // the sealing keys (MigrationSession::to_json)
};
// + a connected socket: the guest part read and built, paused.
struct MigrateIn {
    SF_WORKER_OP(MigrateIn, Built, true);
    GuestSpec guest;
    uint64_t timeout_ms = 5000;
    std::optional<nlohmann::json> session;
};
#undef SF_WORKER_OP

// Events (worker -> sfd), about one guest.
struct GuestEvent {
    enum class Kind : uint8_t { FirstOutput, Exited, Crashed };
    Kind kind = Kind::FirstOutput;
    uint64_t t_ns = 0;  // FirstOutput: CLOCK_MONOTONIC
    int32_t status = 0; // Exited
    std::string reason; // Crashed
};

// The codec. A request's payload is its fields plus "op"; a reply's, its
// fields plus "ok": true, except ConsoleBytes, sent raw (protocol.h
// kRawPayload). decode_request<T>() fails with InvalidArgument naming the
// field that is missing or of the wrong type; decode_reply<T>() returns the
// Error a failed operation's reply carries.
template <class T> std::string encode_request(const T& request);
template <class T> Result<T> decode_request(const nlohmann::json& object);
struct EncodedReply {
    std::string payload;
    bool raw = false; // send with kRawPayload
};
template <class T> EncodedReply encode_reply(const T& reply);
EncodedReply encode_error(const Error& e);
template <class T> Result<T> decode_reply(std::string_view payload, bool raw);
std::string encode_event(const GuestEvent& event);
// A reply's fields as a JSON object (for figures shown to API users).
template <class T> nlohmann::json to_object(const T& reply);
Result<GuestEvent> decode_event(std::string_view payload);

// A request payload parsed as far as its op (the rest: decode_request).
struct ParsedRequest {
    Op op;
    nlohmann::json object;
};
Result<ParsedRequest> parse_request(std::string_view payload);

} // namespace sf::host::worker_api
