// superfluid common: reading fields of JSON that came from elsewhere (a peer
// process, a daemon's answer) without exceptions: a missing field or one of
// the wrong type gives the fallback. (nlohmann's value() throws on a wrong
// type; found by fuzz/wire_packet_fuzz.cpp.)
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace sf {

inline const nlohmann::json* json_field(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return nullptr;
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

inline std::string string_field(const nlohmann::json& object, const char* key, std::string fallback = {}) {
    const nlohmann::json* f = json_field(object, key);
    return f && f->is_string() ? f->get<std::string>() : fallback;
}

inline uint64_t u64_field(const nlohmann::json& object, const char* key, uint64_t fallback = 0) {
    const nlohmann::json* f = json_field(object, key);
    return f && f->is_number_unsigned() ? f->get<uint64_t>() : fallback;
}

inline int64_t i64_field(const nlohmann::json& object, const char* key, int64_t fallback = 0) {
    const nlohmann::json* f = json_field(object, key);
    return f && f->is_number_integer() ? f->get<int64_t>() : fallback;
}

inline bool bool_field(const nlohmann::json& object, const char* key, bool fallback = false) {
    const nlohmann::json* f = json_field(object, key);
    return f && f->is_boolean() ? f->get<bool>() : fallback;
}

} // namespace sf
