// superfluid toolstack: the operations sfd asks of its container monitor
// (sf-ctrmon), typed.
//
// The monitor speaks the worker protocol's framing (protocol.h: one
// SOCK_SEQPACKET packet a message, Request/Reply/Event/Console). A request
// is one JSON object, {"op": NAME, ...its fields}; a reply is its fields
// plus "ok": true, or {"error": "one line", "kind": ErrorKind}; the replies
// to Logs and Follow are raw console bytes (kRawPayload). Events are
// worker_api::GuestEvent objects (first output, exited, crashed) about the
// container whose guest id the packet carries, and Console packets carry a
// followed container's new bytes, exactly as a worker's.
//
// Replies may come out of order: Run, Start, Pause, Resume and Destroy run
// the OCI runtime and are answered when it is done.
#pragma once

#include "common/result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::host::ctrmon {

// Builds container `id` from the bundle in `bundle` (config.json; the
// runtime's log is written beside it), its stdout and stderr into a console
// ring of `ring_size` bytes; started unless `start` is false. `cgroup` is
// the memory cgroup directory whose OOM kill count says how it ended. With
// a `log_path` (sfd's --log-dir), its output also goes to that file, capped
// at `log_max_bytes` as a VM's (host/worker/console_log.h).
struct Run {
    static constexpr std::string_view kOp = "run";
    uint64_t id = 0;
    std::string bundle;
    std::string cgroup;
    uint64_t ring_size = 0;
    bool start = true;
    std::string log_path; // empty: no log file
    uint64_t log_max_bytes = 0;
};
// The other ops ("start", "pause", "resume", "destroy", "info", "logs",
// "follow", "unfollow") take {"id": N}; "held", "stats", "shutdown" nothing.

// Replies.
struct Status {
    uint64_t console_bytes = 0;
};
struct HeldContainer {
    uint64_t id = 0;
    std::string state; // GuestState's name
    std::optional<int32_t> status;
    std::optional<std::string> reason;
    uint64_t console_bytes = 0;
};
struct Held {
    std::vector<HeldContainer> containers;
};
struct Stats {
    uint64_t containers = 0;
    int64_t pid = 0;
    uint64_t rss_kib = 0;
    uint64_t fds = 0;
};

void to_json(nlohmann::json& j, const Run& v);
void from_json(const nlohmann::json& j, Run& v);
void to_json(nlohmann::json& j, const Status& v);
void from_json(const nlohmann::json& j, Status& v);
void to_json(nlohmann::json& j, const HeldContainer& v);
void from_json(const nlohmann::json& j, HeldContainer& v);
void to_json(nlohmann::json& j, const Held& v);
void from_json(const nlohmann::json& j, Held& v);
void to_json(nlohmann::json& j, const Stats& v);
void from_json(const nlohmann::json& j, Stats& v);

// A request: `fields` plus "op".
std::string encode_request(std::string_view op, nlohmann::json fields = nlohmann::json::object());
// A request's op and fields; InvalidArgument for anything else.
Result<std::pair<std::string, nlohmann::json>> decode_request(std::string_view payload);
std::string encode_ok(nlohmann::json fields = nlohmann::json::object());
std::string encode_error(const Error& e);
// The reply's fields, or the Error it carries.
Result<nlohmann::json> decode_reply(std::string_view payload);
// A reply's fields as T (InvalidArgument naming what is wrong).
template <class T> Result<T> fields_as(const nlohmann::json& fields) {
    try {
        return fields.get<T>();
    } catch (const nlohmann::json::exception& e) {
        return error(ErrorKind::InvalidArgument, "container monitor: a malformed message: {}", e.what());
    }
}

} // namespace sf::host::ctrmon
