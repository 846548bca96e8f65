// superfluid monitor: the store hypercall (abi.h, "The store"). Each op is
// one XenStore request through the guest's StorePort (vmm/devices/store_port.h),
// except NEXT_EVENT, which takes a queued watch event.
#include "superfluid/abi.h"
#include "vmm/hypercalls/hypercalls.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <variant>

namespace sf::vmm {
namespace {

// The op's arguments, checked: spans inside the guest's memory.
struct StoreCall {
    uint32_t op = 0;
    std::span<uint8_t> path;  // empty for NEXT_EVENT
    std::span<uint8_t> value; // what WRITE/WATCH/UNWATCH send, or where an answer goes
};

bool sends_value(uint32_t op) {
    return op == SF_STORE_WRITE || op == SF_STORE_WATCH || op == SF_STORE_UNWATCH;
}
bool takes_answer(uint32_t op) {
    return op == SF_STORE_READ || op == SF_STORE_LIST || op == SF_STORE_NEXT_EVENT;
}

HypercallResult outside(const char* what, uint64_t gpa, uint64_t len, const GuestMemory& memory) {
    return HypercallResult::fault(
        fmt::format("hypercall store: {} [{:#x}, +{}) is outside the guest's memory "
                    "[{:#x}, {:#x})",
                    what, gpa, len, SF_GUEST_BASE_GPA, memory.size()));
}

// A span of guest memory; a zero-length one needs no address.
std::optional<std::span<uint8_t>> buffer(const GuestMemory& memory, uint64_t gpa, uint64_t len,
                                         Access access) {
    if (len == 0) return std::span<uint8_t>();
    return memory.guest_span(gpa, len, access);
}

// Checks the lengths and buffers of `args` (the monitor's copy of the guest's
// struct): a fault result when the guest got them wrong.
std::variant<StoreCall, HypercallResult> check_call(const GuestMemory& memory, const sf_hc_store& args) {
    StoreCall call{args.op, {}, {}};
    if (args.op != SF_STORE_NEXT_EVENT) {
        if (args.path_len > SF_STORE_PATH_MAX)
            return HypercallResult::fault(
                fmt::format("hypercall store: path of {} bytes exceeds the maximum {}", args.path_len,
                            SF_STORE_PATH_MAX));
        auto path = buffer(memory, args.path, args.path_len, Access::Read);
        if (!path) return outside("path", args.path, args.path_len, memory);
        call.path = *path;
    }
    if (sends_value(args.op) && args.value_len > SF_STORE_VALUE_MAX)
        return HypercallResult::fault(fmt::format("hypercall store: value of {} bytes exceeds the maximum {}",
                                                  args.value_len, SF_STORE_VALUE_MAX));
    if (sends_value(args.op) || takes_answer(args.op)) {
        auto value =
            buffer(memory, args.value, args.value_len, sends_value(args.op) ? Access::Read : Access::Write);
        if (!value) return outside("value buffer", args.value, args.value_len, memory);
        call.value = *value;
    }
    return call;
}

std::string_view text(std::span<const uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool has_nul(std::span<const uint8_t> bytes) {
    return std::find(bytes.begin(), bytes.end(), 0) != bytes.end();
}

// The XenStore request of an op: its type and payload.
StoreMessage encode(const StoreCall& call) {
    std::string path(text(call.path));
    switch (call.op) {
    case SF_STORE_READ: return {xs::kRead, path + '\0'};
    case SF_STORE_WRITE: return {xs::kWrite, path + '\0' + std::string(text(call.value))};
    case SF_STORE_RM: return {xs::kRm, path + '\0'};
    case SF_STORE_LIST: return {xs::kDirectory, path + '\0'};
    case SF_STORE_WATCH: return {xs::kWatch, path + '\0' + std::string(text(call.value)) + '\0'};
    default: return {xs::kUnwatch, path + '\0' + std::string(text(call.value)) + '\0'};
    }
}

// "ENOENT\0" to -SF_ENOENT; a name we do not know is the store failing (-SF_EIO).
int32_t error_code(std::string_view payload) {
    static constexpr std::array<std::pair<std::string_view, int32_t>, 12> kErrors{{
        {"EPERM", SF_EPERM},
        {"ENOENT", SF_ENOENT},
        {"EIO", SF_EIO},
        {"E2BIG", SF_E2BIG},
        {"EAGAIN", SF_EAGAIN},
        {"ENOMEM", SF_ENOMEM},
        {"EACCES", SF_EACCES},
        {"EBUSY", SF_EBUSY},
        {"EEXIST", SF_EEXIST},
        {"EINVAL", SF_EINVAL},
        {"ENOSPC", SF_ENOSPC},
        {"ENOSYS", SF_ENOSYS},
    }};
    const std::string_view name = payload.substr(0, payload.find('\0'));
    for (const auto& [known, code] : kErrors)
        if (name == known) return -code;
    return -SF_EIO;
}

// Copies an answer into the guest's buffer if it fits: 0, or -SF_ERANGE.
int32_t give_answer(sf_hc_store& args, std::span<uint8_t> buffer, std::string_view answer) {
    args.value_len = static_cast<uint32_t>(answer.size());
    if (answer.size() > buffer.size()) return -SF_ERANGE;
    std::memcpy(buffer.data(), answer.data(), answer.size());
    return 0;
}

int32_t next_event(sf_hc_store& args, StorePort& store, std::span<uint8_t> buffer) {
    StorePort::Taken event = store.take_event(buffer.size());
    args.value_len = static_cast<uint32_t>(event.size);
    if (event.size == 0) return -SF_EAGAIN;
    return event.fitted ? give_answer(args, buffer, event.payload) : -SF_ERANGE;
}

// Runs a checked call through the store; the value for `ret`.
int32_t run_call(sf_hc_store& args, StorePort& store, const StoreCall& call) {
    if (call.op == SF_STORE_NEXT_EVENT) return next_event(args, store, call.value);
    if (call.path.empty() || has_nul(call.path)) return -SF_EINVAL;
    if (call.op != SF_STORE_WRITE && sends_value(call.op) && has_nul(call.value)) return -SF_EINVAL;
    const StoreMessage message = encode(call);
    if (message.payload.size() > xs::kPayloadMax) return -SF_E2BIG;
    Result<StoreMessage> reply = store.request(message.type, message.payload);
    if (!reply) return -SF_EIO;
    if (reply->type == xs::kError) return error_code(reply->payload);
    if (reply->type != message.type) return -SF_EIO;
    if (takes_answer(call.op)) return give_answer(args, call.value, reply->payload);
    return 0;
}

} // namespace

// The guest's struct is read once, into `request`: the op, lengths and
// addresses checked are those used. `args` is only written (ret, value_len).
HypercallResult hypercall_store(HypercallContext& ctx, uint64_t arg_gpa) {
    auto* args = ctx.memory.guest_struct<sf_hc_store>(arg_gpa, Access::Write);
    if (args == nullptr) return bad_argument_struct("store", arg_gpa, ctx.memory);
    const sf_hc_store request = copy_from_guest(*args);
    if (request.op < SF_STORE_READ || request.op > SF_STORE_NEXT_EVENT) {
        args->ret = -SF_EINVAL;
        return HypercallResult::resume();
    }
    auto checked = check_call(ctx.memory, request);
    if (auto* fault = std::get_if<HypercallResult>(&checked)) return std::move(*fault);
    const StoreCall& call = std::get<StoreCall>(checked);
    if (takes_answer(call.op)) args->value_len = 0;
    args->ret = ctx.store == nullptr ? -SF_ENODEV : run_call(*args, *ctx.store, call);
    return HypercallResult::resume();
}

uint64_t store_ready_set(const StorePort* store) {
    return store != nullptr && store->events_pending() ? SF_POLL_STORE : 0;
}

} // namespace sf::vmm
