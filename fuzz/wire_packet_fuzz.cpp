// libFuzzer target: packets between sfd and its workers (protocol.h), and the
// operations inside them as the receivers decode them (worker_api.h): a
// request as the worker's dispatch reads it, a reply of every kind as sfd
// reads it, an event. Decoding fails cleanly or yields a message that
// encodes back without throwing.
#include "host/protocol.h"
#include "host/worker_api.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace api = sf::host::worker_api;

namespace {

template <class R> void decode_request(const nlohmann::json& object) {
    sf::Result<R> request = api::decode_request<R>(object);
    if (request) (void)api::encode_request(*request);
}

template <class T> void decode_reply(std::string_view payload, bool raw) {
    sf::Result<T> reply = api::decode_reply<T>(payload, raw);
    if (reply) (void)api::encode_reply(*reply);
}

void decode_any_request(std::string_view payload) {
    sf::Result<api::ParsedRequest> parsed = api::parse_request(payload);
    if (!parsed) return;
    switch (parsed->op) {
    case api::Op::Create: return decode_request<api::Create>(parsed->object);
    case api::Op::Start: return decode_request<api::Start>(parsed->object);
    case api::Op::Pause: return decode_request<api::Pause>(parsed->object);
    case api::Op::Resume: return decode_request<api::Resume>(parsed->object);
    case api::Op::Destroy: return decode_request<api::Destroy>(parsed->object);
    case api::Op::Info: return decode_request<api::Info>(parsed->object);
    case api::Op::Logs: return decode_request<api::Logs>(parsed->object);
    case api::Op::Follow: return decode_request<api::Follow>(parsed->object);
    case api::Op::Unfollow: return decode_request<api::Unfollow>(parsed->object);
    case api::Op::Stats: return decode_request<api::Stats>(parsed->object);
    case api::Op::Shutdown: return decode_request<api::Shutdown>(parsed->object);
    case api::Op::Adopt: return decode_request<api::Adopt>(parsed->object);
    case api::Op::ReplayWatches: return decode_request<api::ReplayWatches>(parsed->object);
    case api::Op::Save: return decode_request<api::Save>(parsed->object);
    case api::Op::Restore: return decode_request<api::Restore>(parsed->object);
    case api::Op::MigrateOut: return decode_request<api::MigrateOut>(parsed->object);
    case api::Op::MigrateIn: return decode_request<api::MigrateIn>(parsed->object);
    }
    std::abort(); // parse_request returned an op that is not one
}

void decode_any_reply(std::string_view payload, bool raw) {
    decode_reply<api::Done>(payload, raw);
    decode_reply<api::GuestStatus>(payload, raw);
    decode_reply<api::ConsoleBytes>(payload, raw);
    decode_reply<api::WorkerStats>(payload, raw);
    decode_reply<api::Held>(payload, raw);
    decode_reply<api::WatchesReplayed>(payload, raw);
    decode_reply<api::Saved>(payload, raw);
    decode_reply<api::Built>(payload, raw);
    decode_reply<api::Sent>(payload, raw);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view packet(reinterpret_cast<const char*>(data), size);
    sf::Result<sf::host::wire::Message> message = sf::host::wire::parse_packet(packet);
    if (!message) return 0;
    if (message->payload.size() != message->header.payload_len) std::abort();
    if (message->header.magic != sf::host::wire::kMagic) std::abort();
    const std::string_view payload = message->payload;
    switch (message->type()) {
    case sf::host::wire::Type::Request: decode_any_request(payload); break;
    case sf::host::wire::Type::Reply:
        decode_any_reply(payload, (message->header.flags & sf::host::wire::kRawPayload) != 0);
        break;
    case sf::host::wire::Type::Event:
        if (sf::Result<api::GuestEvent> event = api::decode_event(payload); event)
            (void)api::encode_event(*event);
        break;
    default: break;
    }
    return 0;
}
