// superfluid toolstack: parsing and checking of network create requests.
#include "host/network_request_parser.h"

#include <algorithm>
#include <string>

namespace sf::host {
namespace {

using nlohmann::json;

template <typename... Args> Error invalid(fmt::format_string<Args...> format, Args&&... args) {
    return error(ErrorKind::InvalidArgument, format, std::forward<Args>(args)...);
}

// A prefix length: 0 to 32 in decimal, no leading zero.
bool is_prefix_length(std::string_view text) {
    if (text.empty() || text.size() > 2 || (text.size() == 2 && text.front() == '0')) return false;
    if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    return std::stoi(std::string(text)) <= 32;
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

Result<void> check_ipv4_cidr(std::string_view field, std::string_view text) {
    size_t slash = text.find('/');
    if (slash == std::string_view::npos || !check_ipv4_address(field, text.substr(0, slash)) ||
        !is_prefix_length(text.substr(slash + 1)))
        return invalid("{}: {:?} is not an IPv4 subnet (like \"10.0.0.0/24\")", field, text);
    return ok();
}

} // namespace sf::host
