// superfluid toolstack: JSON records.
#include "host/migration/json_records.h"

#include "common/json_fields.h"

namespace sf::host {

using vmm::snapshot::Tag;

Result<void> write_json(vmm::snapshot::Writer& writer, Tag tag, const nlohmann::json& json) {
    return writer.record(tag, std::string_view(json.dump()));
}

Result<vmm::snapshot::Record> read_record(vmm::snapshot::Reader& reader, Tag expected, uint64_t max_length) {
    SF_TRY_ASSIGN(const vmm::snapshot::RecordHeader header, reader.next_header());
    if (header.tag != static_cast<uint32_t>(expected))
        return error(ErrorKind::InvalidArgument, "expected a {} record, found {}",
                     vmm::snapshot::describe_tag(expected), vmm::snapshot::describe_tag(header.tag));
    if (header.length > max_length)
        return error(ErrorKind::InvalidArgument, "a {} record of {} bytes (at most {})",
                     vmm::snapshot::describe_tag(expected), header.length, max_length);
    SF_TRY_ASSIGN(std::vector<uint8_t> payload, reader.read_payload(header));
    return vmm::snapshot::Record{expected, header.flags, std::move(payload), 0};
}

Result<nlohmann::json> read_json(vmm::snapshot::Reader& reader, Tag expected, uint64_t max_length) {
    SF_TRY_ASSIGN(vmm::snapshot::Record record, read_record(reader, expected, max_length));
    nlohmann::json json = nlohmann::json::parse(record.payload.begin(), record.payload.end(), nullptr, false);
    if (!json.is_object())
        return error(ErrorKind::InvalidArgument, "the {} record is not a JSON object",
                     vmm::snapshot::describe_tag(expected));
    return json;
}

Result<nlohmann::json> read_reply(vmm::snapshot::Reader& reader, std::string_view who) {
    SF_TRY_ASSIGN(nlohmann::json reply, read_json(reader, Tag::Reply));
    if (auto it = reply.find("error"); it != reply.end())
        return error(ErrorKind::Conflict, "{}: {}", who,
                     it->is_string() ? it->get<std::string>() : it->dump());
    if (!bool_field(reply, "ok", false))
        return error(ErrorKind::InvalidArgument, "{}: a reply that says neither ok nor error", who);
    return reply;
}

} // namespace sf::host
