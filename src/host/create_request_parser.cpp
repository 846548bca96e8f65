// superfluid toolstack: parsing and checking of create requests.
#include "host/create_request_parser.h"

#include "common/units.h"

#include <algorithm>
#include <map>

namespace sf::host {
namespace {

using nlohmann::json;
using FieldParser = Result<void> (*)(const json& value, CreateRequest& out);

template <typename... Args> Error invalid(fmt::format_string<Args...> format, Args&&... args) {
    return error(ErrorKind::InvalidArgument, format, std::forward<Args>(args)...);
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// A decimal number of 1 to 3 digits, no leading zero, at most `max`.
bool is_decimal(std::string_view text, unsigned max) {
    if (text.empty() || text.size() > 3 || !std::all_of(text.begin(), text.end(), is_digit)) return false;
    if (text.size() > 1 && text.front() == '0') return false;
    unsigned value = 0;
    for (char c : text)
        value = value * 10 + unsigned(c - '0');
    return value <= max;
}

bool is_dotted_quad(std::string_view text) {
    for (int octet = 0; octet < 4; ++octet) {
        size_t dot = text.find('.');
        if ((dot == std::string_view::npos) != (octet == 3)) return false;
        if (!is_decimal(text.substr(0, dot), 255)) return false;
        text = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    }
    return true;
}

Result<void> parse_image(const json& value, CreateRequest& out) {
    SF_TRY_ASSIGN(out.image, string_field(value, "image"));
    if (out.image.empty()) return invalid("image: must not be empty");
    if (out.image.size() > 4096) return invalid("image: path longer than 4096 bytes");
    return ok();
}

Result<void> parse_name(const json& value, CreateRequest& out) {
    SF_TRY_ASSIGN(out.name, string_field(value, "name"));
    return check_guest_name(out.name);
}

Result<void> parse_mem(const json& value, CreateRequest& out) {
    if (value.is_number_unsigned()) {
        out.mem_size = value.get<uint64_t>();
        return ok();
    }
    if (value.is_number_integer()) return invalid("mem: must not be negative");
    if (!value.is_string())
        return invalid("mem: expected a size like \"4M\" or a whole number of bytes, got {}",
                       value.type_name());
    auto size = parse_size(value.get_ref<const std::string&>());
    if (!size) return invalid("mem: {}", size.error().message);
    out.mem_size = *size;
    return ok();
}

Result<void> parse_cmdline(const json& value, CreateRequest& out) {
    SF_TRY_ASSIGN(out.cmdline, string_field(value, "cmdline"));
    if (out.cmdline.size() > kMaxCmdlineBytes)
        return invalid("cmdline: {} bytes, at most {} allowed", out.cmdline.size(), kMaxCmdlineBytes);
    return ok();
}

Result<void> parse_start(const json& value, CreateRequest& out) {
    if (!value.is_boolean()) return invalid("start: expected true or false, got {}", value.type_name());
    out.start = value.get<bool>();
    return ok();
}

Result<void> parse_wait(const json& value, CreateRequest& out) {
    SF_TRY_ASSIGN(std::string wait, string_field(value, "wait"));
    if (wait != "output" && wait != "none")
        return invalid("wait: expected \"output\" or \"none\", got \"{}\"", wait);
    out.wait_for_output = wait == "output";
    return ok();
}

Result<void> parse_wait_timeout(const json& value, CreateRequest& out) {
    if (!value.is_number_integer())
        return invalid("wait_timeout_ms: expected a whole number of milliseconds, got {}", value.type_name());
    int64_t ms = value.is_number_unsigned() ? int64_t(std::min<uint64_t>(value.get<uint64_t>(), INT64_MAX))
                                            : value.get<int64_t>();
    if (ms < 1 || ms > kMaxWaitTimeoutMs)
        return invalid("wait_timeout_ms: {} is out of range (1 to {})", value.dump(), kMaxWaitTimeoutMs);
    out.wait_timeout = std::chrono::milliseconds(ms);
    return ok();
}

Result<void> parse_net(const json& value, CreateRequest& out) {
    SF_TRY_ASSIGN(out.net, string_field(value, "net"));
    return check_network_name("net", out.net);
}

Result<void> parse_ip(const json& value, CreateRequest& out) {
    SF_TRY_ASSIGN(out.ip, string_field(value, "ip"));
    return check_ipv4_address("ip", out.ip);
}

Result<void> parse_kind(const json& value, CreateRequest& out) {
    SF_TRY_ASSIGN(out.kind, string_field(value, "kind"));
    if (out.kind != "vm" && out.kind != "container")
        return invalid("kind: expected \"vm\" or \"container\", got \"{}\"", out.kind);
    return ok();
}

// An absolute directory path (a container's bundle or rootfs).
Result<void> parse_directory(const json& value, std::string_view field, std::string& out) {
    SF_TRY_ASSIGN(out, string_field(value, field));
    if (out.empty() || out.front() != '/')
        return invalid("{}: expected an absolute path, got \"{}\"", field, out);
    if (out.size() > 4096) return invalid("{}: path longer than 4096 bytes", field);
    return ok();
}

Result<void> parse_bundle(const json& value, CreateRequest& out) {
    return parse_directory(value, "bundle", out.bundle);
}

Result<void> parse_rootfs(const json& value, CreateRequest& out) {
    return parse_directory(value, "rootfs", out.rootfs);
}

Result<void> parse_args(const json& value, CreateRequest& out) {
    if (!value.is_array()) return invalid("args: expected an array of strings, got {}", value.type_name());
    if (value.size() > kMaxContainerArgs)
        return invalid("args: {} arguments, at most {} allowed", value.size(), kMaxContainerArgs);
    size_t bytes = 0;
    for (const json& arg : value) {
        SF_TRY_ASSIGN(std::string text, string_field(arg, "args[]"));
        bytes += text.size() + 1;
        out.args.push_back(std::move(text));
    }
    if (bytes > kMaxCmdlineBytes)
        return invalid("args: {} bytes, at most {} allowed", bytes, kMaxCmdlineBytes);
    if (!out.args.empty() && out.args.front().empty()) return invalid("args: the program must not be empty");
    return ok();
}

Result<void> parse_pids(const json& value, CreateRequest& out) {
    if (!value.is_number_unsigned() || value.get<uint64_t>() < 1 || value.get<uint64_t>() > kMaxContainerPids)
        return invalid("pids: expected a whole number from 1 to {}, got {}", kMaxContainerPids, value.dump());
    out.pids = value.get<uint64_t>();
    return ok();
}

// The fields each kind takes besides the common ones; a request's fields are checked against its kind.
Result<void> check_kind_fields(const json& object, CreateRequest& request) {
    const bool container = request.kind == "container";
    for (const char* vm_only : {"image", "cmdline"})
        if (container && object.contains(vm_only))
            return invalid("{}: not for a container (give \"bundle\" or \"rootfs\", and \"args\")", vm_only);
    for (const char* container_only : {"bundle", "rootfs", "args", "pids"})
        if (!container && object.contains(container_only))
            return invalid("{}: only for \"kind\": \"container\"", container_only);
    if (!container) {
        if (!object.contains("image")) return invalid("image: required (the path of a guest image)");
        return ok();
    }
    if (object.contains("bundle") == object.contains("rootfs"))
        return invalid(
            "a container needs exactly one of \"bundle\" (an OCI bundle directory) and \"rootfs\"");
    if (!object.contains("mem")) request.mem_size = kDefaultContainerMem;
    return ok();
}

const std::map<std::string, FieldParser, std::less<>>& field_parsers() {
    static const std::map<std::string, FieldParser, std::less<>> parsers{
        {"image", parse_image},     {"name", parse_name},     {"mem", parse_mem},
        {"cmdline", parse_cmdline}, {"net", parse_net},       {"ip", parse_ip},
        {"start", parse_start},     {"wait", parse_wait},     {"wait_timeout_ms", parse_wait_timeout},
        {"kind", parse_kind},       {"bundle", parse_bundle}, {"rootfs", parse_rootfs},
        {"args", parse_args},       {"pids", parse_pids},
    };
    return parsers;
}

std::string known_fields() {
    std::string names;
    for (const auto& [name, parser] : field_parsers())
        names += names.empty() ? name : ", " + name;
    return names;
}

// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string parse_error_message(const nlohmann::json::exception& e) {
    std::string_view what = e.what();
    size_t bracket = what.find("] ");
    if (what.starts_with("[") && bracket != std::string_view::npos) what.remove_prefix(bracket + 2);
    return std::string(what);
}

} // namespace

Result<json> parse_json_object(std::string_view body) {
    json object;
    try {
        object = json::parse(body);
    } catch (const json::exception& e) {
        return invalid("malformed JSON: {}", parse_error_message(e));
    }
    if (!object.is_object())
        return invalid("request body: expected a JSON object, got {}", object.type_name());
    return object;
}

Result<std::string> string_field(const json& value, std::string_view field) {
    if (!value.is_string()) return invalid("{}: expected a string, got {}", field, value.type_name());
    std::string text = value.get<std::string>();
    if (text.find('\0') != std::string::npos) return invalid("{}: must not contain NUL bytes", field);
    return text;
}

Result<CreateRequest> parse_create_request(std::string_view body) {
    SF_TRY_ASSIGN(json object, parse_json_object(body));
    CreateRequest request;
    const auto& parsers = field_parsers();
    for (const auto& [key, value] : object.items()) {
        auto parser = parsers.find(key);
        if (parser == parsers.end()) return invalid("unknown field {:?} (known: {})", key, known_fields());
        SF_TRY(parser->second(value, request));
    }
    SF_TRY(check_kind_fields(object, request));
    if (!request.ip.empty() && request.net.empty())
        return invalid("ip: needs \"net\" (the network the address is on)");
    if (request.wait_for_output && !request.start)
        return invalid("wait: \"output\" needs the guest started (\"start\": true)");
    return request;
}

Result<void> check_guest_name(std::string_view name) {
    if (name.empty()) return invalid("name: must not be empty");
    if (name.size() > kMaxNameBytes)
        return invalid("name: {} bytes, at most {} allowed", name.size(), kMaxNameBytes);
    auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-';
    };
    if (!std::all_of(name.begin(), name.end(), allowed))
        return invalid("name: only letters, digits, '.', '_' and '-' are allowed");
    if (name.front() == '.' || name.front() == '-') return invalid("name: must not start with '.' or '-'");
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (std::all_of(name.begin(), name.end(), digit))
        return invalid("name: must not be all digits (ids are)");
    return ok();
}

Result<void> check_network_name(std::string_view field, std::string_view name) {
    if (name.empty()) return invalid("{}: must not be empty", field);
    if (name.size() > kMaxNetworkNameBytes)
        return invalid("{}: {} bytes, at most {} allowed (it names a network interface)", field, name.size(),
                       kMaxNetworkNameBytes);
    auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '_' ||
               c == '-';
    };
    if (!std::all_of(name.begin(), name.end(), allowed))
        return invalid("{}: only letters, digits, '.', '_' and '-' are allowed", field);
    if (name.front() == '.' || name.front() == '-')
        return invalid("{}: must not start with '.' or '-'", field);
    return ok();
}

Result<void> check_ipv4_address(std::string_view field, std::string_view text) {
    if (!is_dotted_quad(text))
        return invalid("{}: {:?} is not an IPv4 address (four decimal octets 0-255, like \"10.0.0.5\")",
                       field, text);
    return ok();
}

} // namespace sf::host
