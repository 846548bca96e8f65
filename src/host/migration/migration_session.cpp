// superfluid toolstack: a migration connection's two ciphers, and handing them to a worker.
#include "host/migration/migration_session.h"

#include "common/json_fields.h"

namespace sf::host {
namespace {

using vmm::snapshot::CipherKey;
using vmm::snapshot::StreamCipher;

std::string hex(std::span<const uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (uint8_t b : bytes)
        out += {kDigits[b >> 4], kDigits[b & 15]};
    return out;
}

bool unhex(const nlohmann::json* text, std::span<uint8_t> out) {
    if (!text || !text->is_string() || text->get_ref<const std::string&>().size() != out.size() * 2)
        return false;
    const std::string& s = text->get_ref<const std::string&>();
    auto digit = [](char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    for (size_t i = 0; i < out.size(); ++i) {
        const int hi = digit(s[2 * i]), lo = digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return true;
}

nlohmann::json direction(const StreamCipher& cipher) {
    return {{"key", hex(cipher.key().key)}, {"iv", hex(cipher.key().iv)}, {"sequence", cipher.sequence()}};
}

Result<std::pair<CipherKey, uint64_t>> direction_from(const nlohmann::json& json, const char* which) {
    const nlohmann::json* d = json_field(json, which);
    CipherKey key;
    const nlohmann::json* sequence = d ? json_field(*d, "sequence") : nullptr;
    if (!d || !unhex(json_field(*d, "key"), key.key) || !unhex(json_field(*d, "iv"), key.iv) || !sequence ||
        !sequence->is_number_unsigned())
        return error(ErrorKind::InvalidArgument, "session: a malformed \"{}\" direction", which);
    return std::pair{key, sequence->get<uint64_t>()};
}

} // namespace

Result<MigrationSession> MigrationSession::create(const CipherKey& send, const CipherKey& receive,
                                                  uint64_t send_sequence, uint64_t receive_sequence) {
    SF_TRY_ASSIGN(StreamCipher sealing, StreamCipher::sealing(send, send_sequence));
    SF_TRY_ASSIGN(StreamCipher opening, StreamCipher::opening(receive, receive_sequence));
    return MigrationSession(std::move(sealing), std::move(opening));
}

nlohmann::json MigrationSession::to_json() const {
    return {{"send", direction(send_)}, {"receive", direction(receive_)}};
}

Result<MigrationSession> MigrationSession::from_json(const nlohmann::json& json) {
    SF_TRY_ASSIGN(const auto send, direction_from(json, "send"));
    SF_TRY_ASSIGN(const auto receive, direction_from(json, "receive"));
    return create(send.first, receive.first, send.second, receive.second);
}

nlohmann::json MigrationSession::counts() const {
    return {{"send", send_.sequence()}, {"receive", receive_.sequence()}};
}

Result<void> MigrationSession::continue_from(const std::optional<nlohmann::json>& counts) {
    const nlohmann::json* send = counts ? json_field(*counts, "send") : nullptr;
    const nlohmann::json* receive = counts ? json_field(*counts, "receive") : nullptr;
    if (!send || !receive || !send->is_number_unsigned() || !receive->is_number_unsigned())
        return error("internal: the worker's reply has no session counts");
    SF_TRY(send_.advance_to(send->get<uint64_t>()));
    return receive_.advance_to(receive->get<uint64_t>());
}

} // namespace sf::host
