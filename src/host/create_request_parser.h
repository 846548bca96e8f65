// superfluid toolstack: the body of POST /v1/guests, parsed and checked into a
// CreateRequest, and what every request body parser shares
// (network_request_parser.h is the other): JSON helpers, the syntax checks
// of network names and IPv4 addresses. Pure functions (no I/O), so the
// API's validation is tested without a server. Every error is
// InvalidArgument with a one-line message that names the field. Range checks
// that depend on the host (memory sizes, whether the image exists, whether a
// network exists and holds the address) are the service's.
#pragma once

#include "host/guest_service.h"
#include "superfluid/abi.h"

#include <string_view>

namespace sf::host {

// A guest's name and command line reach it NUL-terminated in its boot info (abi.h).
constexpr size_t kMaxNameBytes = SF_NAME_MAX - 1;
constexpr size_t kMaxCmdlineBytes = SF_CMDLINE_MAX - 1;
constexpr int64_t kMaxWaitTimeoutMs = 600'000;
// A container's arguments (their bytes, each with a NUL, at most kMaxCmdlineBytes), pid limit, and memory
// when the request gives none.
constexpr size_t kMaxContainerArgs = 256;
constexpr uint64_t kMaxContainerPids = 1'000'000;
constexpr uint64_t kDefaultContainerMem = 64ull << 20;
// Network names become Linux interface names (IFNAMSIZ is 16 with the NUL).
constexpr size_t kMaxNetworkNameBytes = 15;

// A JSON object with the fields of docs/api.yaml (CreateGuest); anything else
// is refused. "ip" needs "net"; both are checked for syntax only. "kind"
// (default "vm") decides the other fields: a VM needs "image" and may have
// "cmdline"; a container needs one of "bundle" and "rootfs" and may have
// "args" and "pids" (its "mem" defaults to kDefaultContainerMem).
Result<CreateRequest> parse_create_request(std::string_view body);

// A guest name: 1 to 63 bytes of [A-Za-z0-9._-], not starting with '.' or '-',
// not all digits (a ref that is all digits is an id).
Result<void> check_guest_name(std::string_view name);

// The checks below start their messages with `field`, the JSON field's name.
// A network name: 1 to 15 bytes of [A-Za-z0-9._-], not starting with '.' or '-'.
Result<void> check_network_name(std::string_view field, std::string_view name);
// The strict dotted quad: four decimal octets 0-255, no leading zeros, nothing else.
Result<void> check_ipv4_address(std::string_view field, std::string_view text);

// Shared by the body parsers: the body as a JSON object ("malformed JSON: ...",
// "request body: expected a JSON object, ..."), and a string field without
// NUL bytes ("FIELD: expected a string, got number").
Result<nlohmann::json> parse_json_object(std::string_view body);
Result<std::string> string_field(const nlohmann::json& value, std::string_view field);

} // namespace sf::host
