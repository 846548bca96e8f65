// superfluid worker: reading sfd's requests and shaping the replies, as every
// handler of the worker (worker*.cpp) does it.
#pragma once

#include "common/result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string_view>

namespace sf::host {

// {"error": "one line", "kind": ErrorKind as int} (protocol.h).
inline nlohmann::json error_reply(const Error& e) {
    return {{"error", e.message}, {"kind", static_cast<int>(e.kind)}};
}

// A required unsigned field; InvalidArgument when it is missing or not one.
inline Result<uint64_t> field_u64(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned()) return error(ErrorKind::InvalidArgument, "missing '{}'", key);
    return it->get<uint64_t>();
}

// The ops that come with a descriptor and run on a thread of their own (LongOperations).
inline bool is_long_operation(std::string_view op) {
    return op == "save" || op == "restore" || op == "migrate_out" || op == "migrate_in";
}

} // namespace sf::host
