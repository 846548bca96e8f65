// superfluid toolstack: the body of POST /v1/networks, parsed and checked into
// a CreateNetworkRequest, and the syntax checks of network names and IPv4
// addresses that the guest create body shares ("net", "ip"). Pure functions,
// like create_request_parser.h: every error is InvalidArgument with a
// one-line message that starts with the field's name. Whether a subnet is
// usable (its prefix, host bits, overlaps) is the service's to decide.
#pragma once

#include "host/guest_service.h"

#include <string_view>

namespace sf::host {

// Network names become Linux interface names (IFNAMSIZ is 16 with the NUL).
constexpr size_t kMaxNetworkNameBytes = 15;

// A JSON object with exactly the fields of docs/api.yaml (NetworkCreate):
// "name" and "subnet", both required; anything else is refused.
Result<CreateNetworkRequest> parse_network_request(std::string_view body);

// 1 to 15 bytes of [A-Za-z0-9._-], not starting with '.' or '-'.
Result<void> check_network_name(std::string_view field, std::string_view name);
// The strict dotted quad: four decimal octets 0-255, no leading zeros, nothing else.
Result<void> check_ipv4_address(std::string_view field, std::string_view text);
// "A.B.C.D/N": a dotted quad as above and a prefix length 0-32 (no leading zeros).
Result<void> check_ipv4_cidr(std::string_view field, std::string_view text);

} // namespace sf::host
