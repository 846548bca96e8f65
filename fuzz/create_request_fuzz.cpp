// libFuzzer target: the body of POST /v1/guests (sfd's API request parser).
// Any input must give a CreateRequest or one InvalidArgument error, never a
// crash; an accepted request must satisfy what the parser promises.
#include "host/create_request_parser.h"
#include "host/network_request_parser.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

// What an accepted request promises: the image, the limits, and names and
// addresses that pass their own checks ("ip" only with "net").
bool keeps_promises(const sf::host::CreateRequest& request) {
    using namespace sf::host;
    if (request.image.empty() || request.cmdline.size() > kMaxCmdlineBytes) return false;
    if (!request.name.empty() && !check_guest_name(request.name)) return false;
    if (!request.ip.empty() && request.net.empty()) return false;
    if (!request.net.empty() && !check_network_name("net", request.net)) return false;
    return request.ip.empty() || check_ipv4_address("ip", request.ip).ok();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    // The same bytes as a network create: an error is one InvalidArgument line, a success has both fields.
    sf::Result<sf::host::CreateNetworkRequest> network = sf::host::parse_network_request(body);
    if (!network && (network.error().kind != sf::ErrorKind::InvalidArgument ||
                     network.error().message.find('\n') != std::string::npos))
        std::abort();
    if (network && (network->name.empty() || network->subnet.empty())) std::abort();
    sf::Result<sf::host::CreateRequest> request = sf::host::parse_create_request(body);
    if (!request) {
        if (request.error().kind != sf::ErrorKind::InvalidArgument || request.error().message.empty())
            std::abort();
        if (request.error().message.find('\n') != std::string::npos) std::abort(); // one line
        return 0;
    }
    if (!keeps_promises(*request)) std::abort();
    return 0;
}
