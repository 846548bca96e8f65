// superfluid store: the XenStore request dispatcher, node operations and the type table.
#include "store/dispatch.h"

#include "store/dispatch_context.h"

#include <array>
#include <cstring>

namespace sf::store {

namespace args {

std::optional<uint32_t> parse_u32(std::string_view text) {
    if (text.empty() || text.size() > 10) return std::nullopt;
    uint64_t value = 0;
    for (char ch : text) {
        if (ch < '0' || ch > '9') return std::nullopt;
        value = value * 10 + static_cast<uint64_t>(ch - '0');
    }
    if (value > UINT32_MAX) return std::nullopt;
    return static_cast<uint32_t>(value);
}

uint64_t fingerprint(std::string_view bytes) {
    uint64_t hash = 14695981039346656037ull;
    for (char ch : bytes) {
        hash ^= static_cast<unsigned char>(ch);
        hash *= 1099511628211ull;
    }
    return hash;
}

} // namespace args

namespace detail {
namespace {

// The single "path\0" argument, or EINVAL sent and nullopt.
std::optional<std::string_view> path_arg(const Request& r) {
    auto arg = args::exactly<1>(r.payload);
    if (!arg) {
        r.fail(StoreError::Invalid);
        return std::nullopt;
    }
    return (*arg)[0];
}

std::string joined(const std::vector<std::string>& names) {
    std::string list;
    for (const auto& name : names) {
        list += name;
        list += '\0';
    }
    return list;
}

void handle_read(const Request& r) {
    auto path = path_arg(r);
    if (!path) return;
    auto value = r.store.read(r.c, r.tx(), *path);
    if (value)
        r.reply(*value);
    else
        r.fail(value.error());
}

void handle_write(const Request& r) {
    const size_t nul = r.payload.find('\0');
    if (nul == std::string_view::npos) return r.fail(StoreError::Invalid);
    r.ack(r.store.write(r.c, r.tx(), r.payload.substr(0, nul), r.payload.substr(nul + 1)));
}

void handle_mkdir(const Request& r) {
    if (auto path = path_arg(r)) r.ack(r.store.mkdir(r.c, r.tx(), *path));
}

void handle_rm(const Request& r) {
    if (auto path = path_arg(r)) r.ack(r.store.rm(r.c, r.tx(), *path));
}

void handle_directory(const Request& r) {
    auto path = path_arg(r);
    if (!path) return;
    auto names = r.store.directory(r.c, r.tx(), *path);
    if (names)
        r.reply(joined(*names)); // E2BIG when too long: the client falls back to DIRECTORY_PART
    else
        r.fail(names.error());
}

// xenstored's send_directory_part: as many whole names from `offset` as fit.
void handle_directory_part(const Request& r) {
    auto arg = args::exactly<2>(r.payload);
    auto offset = arg ? args::parse_u32((*arg)[1]) : std::nullopt;
    if (!offset) return r.fail(StoreError::Invalid);
    auto names = r.store.directory(r.c, r.tx(), (*arg)[0]);
    if (!names) return r.fail(names.error());
    const std::string list = joined(*names);
    std::string data = std::to_string(args::fingerprint(list));
    data += '\0';
    if (*offset >= list.size()) {
        data += '\0';
        return r.reply(data);
    }
    const size_t max = wire::kPayloadMax - data.size() - 1;
    size_t len = 0;
    while (len + std::strlen(list.c_str() + *offset + len) < max) {
        len += std::strlen(list.c_str() + *offset + len) + 1;
        if (*offset + len == list.size()) break;
    }
    data.append(list, *offset, len);
    if (*offset + len == list.size()) data += '\0';
    r.reply(data);
}

void handle_get_perms(const Request& r) {
    auto path = path_arg(r);
    if (!path) return;
    auto perms = r.store.get_perms(r.c, r.tx(), *path);
    if (perms)
        r.reply(perms->to_wire());
    else
        r.fail(perms.error());
}

void handle_set_perms(const Request& r) {
    const size_t nul = r.payload.find('\0');
    if (nul == std::string_view::npos) return r.fail(StoreError::Invalid);
    std::string_view rest = r.payload.substr(nul + 1);
    if (rest.empty() || rest.back() != '\0') return r.fail(StoreError::Invalid);
    auto perms = Permissions::parse(rest);
    if (!perms) return r.fail(StoreError::Invalid);
    r.ack(r.store.set_perms(r.c, r.tx(), r.payload.substr(0, nul), *perms));
}

void handle_unsupported(const Request& r) {
    r.fail(StoreError::NoSys);
}

constexpr std::array<Handler, wire::kTypeCount> kHandlers = {
    handle_unsupported,          // CONTROL: xenstore-control's commands are not offered
    handle_directory,            // DIRECTORY
    handle_read,                 // READ
    handle_get_perms,            // GET_PERMS
    handle_watch,                // WATCH
    handle_unwatch,              // UNWATCH
    handle_transaction_start,    // TRANSACTION_START
    handle_transaction_end,      // TRANSACTION_END
    handle_introduce,            // INTRODUCE
    handle_release,              // RELEASE
    handle_get_domain_path,      // GET_DOMAIN_PATH
    handle_write,                // WRITE
    handle_mkdir,                // MKDIR
    handle_rm,                   // RM
    handle_set_perms,            // SET_PERMS
    handle_unsupported,          // WATCH_EVENT: only sent by the store
    handle_unsupported,          // ERROR: only sent by the store
    handle_is_domain_introduced, // IS_DOMAIN_INTRODUCED
    handle_resume,               // RESUME
    handle_unsupported,          // SET_TARGET: no device-model domains here
    handle_unsupported,          // 20, XS_RESTRICT: removed from Xen
    handle_reset_watches,        // RESET_WATCHES
    handle_directory_part,       // DIRECTORY_PART
};

} // namespace
} // namespace detail

void dispatch_into(std::string& out, Store& store, ConnectionId c, const wire::Header& request,
                   std::string_view payload) {
    const detail::Request r{store, c, request, payload, out};
    if (request.type >= wire::kTypeCount) return r.fail(StoreError::NoSys);
    detail::kHandlers[request.type](r);
}

std::string dispatch(Store& store, ConnectionId c, const wire::Header& request, std::string_view payload) {
    std::string out;
    dispatch_into(out, store, c, request, payload);
    return out;
}

} // namespace sf::store
