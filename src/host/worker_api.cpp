// superfluid toolstack: the worker operations' codec (JSON through
// nlohmann's type macros: no field is read or written by hand).
#include "host/worker_api.h"

#include <algorithm>
#include <stdexcept>
#include <type_traits>

// std::optional as null or the value (nlohmann 3.11 has no serializer for it).
namespace nlohmann {
template <class T> struct adl_serializer<std::optional<T>> {
    static void to_json(json& j, const std::optional<T>& value) {
        if (value)
            j = *value;
        else
            j = nullptr;
    }
    static void from_json(const json& j, std::optional<T>& value) {
        if (j.is_null())
            value.reset();
        else
            value = j.get<T>();
    }
};
} // namespace nlohmann

namespace sf::host::worker_api {

// Empty messages: an object with no fields of their own.
#define SF_EMPTY_MESSAGE(Type)                                                                               \
    [[maybe_unused]] void to_json(nlohmann::json& j, const Type&) {                                          \
        j = nlohmann::json::object();                                                                        \
    }                                                                                                        \
    [[maybe_unused]] void from_json(const nlohmann::json&, Type&) {}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(NicSpec, port, mac, ip, mask, gw, mtu)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(GuestSpec, id, name, image, mem, cmdline, start, store, nic)
SF_EMPTY_MESSAGE(Done)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(GuestStatus, console_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ConsoleBytes, bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WorkerStats, guests, pool, scheduler, frames, store, templates)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(HeldGuest, id, state, status, reason, console_bytes, port)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Held, guests)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WatchesReplayed, watches)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Saved, bytes, pages)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Built, bytes, read_ms, build_ms, session)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Sent, bytes_sent, rounds, pages_sent, precopy_ms, stop_copy_ms, reply_ms,
                                   paused_ns, session)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Create, guest)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Start, id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Pause, id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Resume, id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Destroy, id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Info, id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Logs, id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Follow, id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Unfollow, id)
SF_EMPTY_MESSAGE(Stats)
SF_EMPTY_MESSAGE(Shutdown)
SF_EMPTY_MESSAGE(Adopt)
SF_EMPTY_MESSAGE(ReplayWatches)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Save, id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Restore, guest)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MigrateOut, id, timeout_ms, session)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MigrateIn, guest, timeout_ms, session)
// An event's kind by name; an unknown name is an error (nlohmann's enum macro would map it to the first
// kind).
constexpr std::array<std::string_view, 3> kEventKinds = {"first_output", "exited", "crashed"};
void to_json(nlohmann::json& j, const GuestEvent::Kind& kind) {
    j = kEventKinds.at(static_cast<size_t>(kind));
}
void from_json(const nlohmann::json& j, GuestEvent::Kind& kind) {
    const std::string name = j.get<std::string>();
    const auto it = std::find(kEventKinds.begin(), kEventKinds.end(), name);
    if (it == kEventKinds.end()) throw std::invalid_argument("unknown event kind '" + name + "'");
    kind = static_cast<GuestEvent::Kind>(it - kEventKinds.begin());
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(GuestEvent, kind, t_ns, status, reason)
#undef SF_EMPTY_MESSAGE

namespace {

constexpr std::array<std::string_view, kOpCount> kOpNames = {
    "create",         "start",  "pause",    "resume",      "destroy",    "info",
    "logs",           "follow", "unfollow", "stats",       "shutdown",   "adopt",
    "replay_watches", "save",   "restore",  "migrate_out", "migrate_in",
};

// nlohmann's exception text without its "[json.exception.type_error.302] " prefix.
std::string what_of(const nlohmann::json::exception& e) {
    const std::string_view text = e.what();
    const size_t end = text.find("] ");
    return std::string(end == std::string_view::npos ? text : text.substr(end + 2));
}

template <class T> Result<T> from_object(const nlohmann::json& object, const char* what) {
    if (!object.is_object()) return error(ErrorKind::InvalidArgument, "{}: not a JSON object", what);
    try {
        return object.get<T>();
    } catch (const nlohmann::json::exception& e) {
        return error(ErrorKind::InvalidArgument, "{}: {}", what, what_of(e));
    } catch (const std::invalid_argument& e) {
        return error(ErrorKind::InvalidArgument, "{}: {}", what, e.what());
    }
}

nlohmann::json parse(std::string_view payload) {
    return nlohmann::json::parse(payload, nullptr, false);
}

} // namespace

std::string_view op_name(Op op) {
    return kOpNames.at(static_cast<size_t>(op));
}

std::optional<Op> parse_op(std::string_view name) {
    const auto it = std::find(kOpNames.begin(), kOpNames.end(), name);
    if (it == kOpNames.end()) return std::nullopt;
    return static_cast<Op>(it - kOpNames.begin());
}

template <class T> std::string encode_request(const T& request) {
    nlohmann::json object = request;
    object["op"] = op_name(T::kOp);
    return object.dump();
}

template <class T> Result<T> decode_request(const nlohmann::json& object) {
    return from_object<T>(object, "malformed request");
}

template <class T> EncodedReply encode_reply(const T& reply) {
    if constexpr (std::is_same_v<T, ConsoleBytes>) {
        return {reply.bytes, true};
    } else {
        nlohmann::json object = reply;
        object["ok"] = true;
        return {object.dump(), false};
    }
}

EncodedReply encode_error(const Error& e) {
    return {nlohmann::json{{"error", e.message}, {"kind", static_cast<int>(e.kind)}}.dump(), false};
}

template <class T> Result<T> decode_reply(std::string_view payload, bool raw) {
    if constexpr (std::is_same_v<T, ConsoleBytes>) {
        if (raw) return ConsoleBytes{std::string(payload)};
    }
    if (raw) return error(ErrorKind::Internal, "a raw reply where a JSON one was expected");
    const nlohmann::json object = parse(payload);
    if (const auto message = object.is_object() ? object.find("error") : object.end();
        message != object.end() && message->is_string()) {
        const auto kind = object.find("kind");
        const int64_t number = kind != object.end() && kind->is_number_integer() ? kind->get<int64_t>() : 0;
        const bool known = number >= 0 && number <= static_cast<int64_t>(ErrorKind::Closed);
        return Error{message->get<std::string>(),
                     known ? static_cast<ErrorKind>(number) : ErrorKind::Internal};
    }
    return from_object<T>(object, "malformed reply from the worker");
}

template <class T> nlohmann::json to_object(const T& reply) {
    return reply;
}

std::string encode_event(const GuestEvent& event) {
    return nlohmann::json(event).dump();
}

Result<GuestEvent> decode_event(std::string_view payload) {
    return from_object<GuestEvent>(parse(payload), "malformed event");
}

Result<ParsedRequest> parse_request(std::string_view payload) {
    nlohmann::json object = parse(payload);
    const auto op = object.is_object() ? object.find("op") : object.end();
    if (op == object.end() || !op->is_string())
        return error(ErrorKind::InvalidArgument, "malformed request: no op");
    const std::string name = op->get<std::string>();
    const std::optional<Op> known = parse_op(name);
    if (!known) return error(ErrorKind::InvalidArgument, "unknown op '{}'", name);
    return ParsedRequest{*known, std::move(object)};
}

// Every message type, instantiated once here.
#define SF_REQUEST(T)                                                                                        \
    template std::string encode_request<T>(const T&);                                                        \
    template Result<T> decode_request<T>(const nlohmann::json&);
SF_REQUEST(Create)
SF_REQUEST(Start)
SF_REQUEST(Pause)
SF_REQUEST(Resume)
SF_REQUEST(Destroy)
SF_REQUEST(Info)
SF_REQUEST(Logs)
SF_REQUEST(Follow)
SF_REQUEST(Unfollow)
SF_REQUEST(Stats)
SF_REQUEST(Shutdown)
SF_REQUEST(Adopt)
SF_REQUEST(ReplayWatches)
SF_REQUEST(Save)
SF_REQUEST(Restore)
SF_REQUEST(MigrateOut)
SF_REQUEST(MigrateIn)
#undef SF_REQUEST
#define SF_REPLY(T)                                                                                          \
    template EncodedReply encode_reply<T>(const T&);                                                         \
    template Result<T> decode_reply<T>(std::string_view, bool);                                              \
    template nlohmann::json to_object<T>(const T&);
SF_REPLY(Done)
SF_REPLY(GuestStatus)
SF_REPLY(ConsoleBytes)
SF_REPLY(WorkerStats)
SF_REPLY(Held)
SF_REPLY(WatchesReplayed)
SF_REPLY(Saved)
SF_REPLY(Built)
SF_REPLY(Sent)
#undef SF_REPLY

} // namespace sf::host::worker_api
