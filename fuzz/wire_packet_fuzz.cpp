// libFuzzer target: packets between sfd and its workers (protocol.h), and the
// JSON inside them as the receivers read it.
#include "common/json_fields.h"
#include "host/protocol.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view packet(reinterpret_cast<const char*>(data), size);
    sf::Result<sf::host::wire::Message> message = sf::host::wire::parse_packet(packet);
    if (!message) return 0;
    if (message->payload.size() != message->header.payload_len) std::abort();
    if (message->header.magic != sf::host::wire::kMagic) std::abort();
    // Receivers parse JSON payloads without exceptions and read fields with json_fields.h.
    nlohmann::json j = nlohmann::json::parse(message->payload, nullptr, false);
    (void)sf::string_field(j, "op");
    (void)sf::string_field(j, "event");
    (void)sf::u64_field(j, "t_ns");
    (void)sf::i64_field(j, "status");
    (void)sf::bool_field(j, "start", true);
    return 0;
}
