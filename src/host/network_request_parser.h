// superfluid toolstack: the body of POST /v1/networks, parsed and checked into
// a CreateNetworkRequest. Pure functions, like create_request_parser.h (which
// holds the shared JSON helpers and the name and address checks): every
// error is InvalidArgument with a one-line message that starts with the
// field's name. Whether a subnet is usable (its prefix, host bits, overlaps)
// is the service's to decide.
#pragma once

#include "host/create_request_parser.h"

namespace sf::host {

// A JSON object with exactly the fields of docs/api.yaml (NetworkCreate):
// "name" and "subnet", both required; anything else is refused.
Result<CreateNetworkRequest> parse_network_request(std::string_view body);

// "A.B.C.D/N": a dotted quad as above and a prefix length 0-32 (no leading zeros).
Result<void> check_ipv4_cidr(std::string_view field, std::string_view text);

} // namespace sf::host
