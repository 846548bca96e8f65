// superfluid toolstack: parsing and checking of network create requests.
#include "host/network_request_parser.h"

#include "host/create_request_parser.h"

#include <algorithm>

namespace sf::host {
namespace {

using nlohmann::json;

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

Result<std::string> required_string(const json& object, const char* field, const char* what) {
    auto it = object.find(field);
    if (it == object.end()) return invalid("{}: required ({})", field, what);
    return string_field(*it, field);
}

} // namespace

Result<CreateNetworkRequest> parse_network_request(std::string_view body) {
    SF_TRY_ASSIGN(json object, parse_json_object(body));
    for (const auto& [key, value] : object.items())
        if (key != "name" && key != "subnet") return invalid("unknown field {:?} (known: name, subnet)", key);
    CreateNetworkRequest request;
    SF_TRY_ASSIGN(request.name, required_string(object, "name", "the network's name"));
    SF_TRY(check_network_name("name", request.name));
    SF_TRY_ASSIGN(request.subnet, required_string(object, "subnet", "a CIDR such as \"10.0.0.0/24\""));
    SF_TRY(check_ipv4_cidr("subnet", request.subnet));
    return request;
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
    if (name.front() == '.' || name.front() == '-') return invalid("{}: must not start with '.' or '-'", field);
    return ok();
}

Result<void> check_ipv4_address(std::string_view field, std::string_view text) {
    if (!is_dotted_quad(text))
        return invalid("{}: {:?} is not an IPv4 address (four decimal octets 0-255, like \"10.0.0.5\")", field,
                       text);
    return ok();
}

Result<void> check_ipv4_cidr(std::string_view field, std::string_view text) {
    size_t slash = text.find('/');
    if (slash == std::string_view::npos || !is_dotted_quad(text.substr(0, slash)) ||
        !is_decimal(text.substr(slash + 1), 32))
        return invalid("{}: {:?} is not an IPv4 subnet (like \"10.0.0.0/24\")", field, text);
    return ok();
}

} // namespace sf::host
