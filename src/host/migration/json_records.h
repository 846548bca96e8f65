// superfluid toolstack: sfd's own records on a snapshot or migration stream
// (Host, Reply, Commit, End: JSON payloads; docs/migration.md).
#pragma once

#include "common/result.h"
#include "vmm/snapshot/reader.h"
#include "vmm/snapshot/writer.h"

#include <nlohmann/json.hpp>

namespace sf::host {

Result<void> write_json(vmm::snapshot::Writer& writer, vmm::snapshot::Tag tag, const nlohmann::json& json);
// Largest Host record a receiver takes (a few hundred bytes in practice).
inline constexpr uint64_t kMaxHostRecord = 64 << 10;

// The next record, which must be `expected` (any payload: read_json's check, and the binary Frames record's),
// of at most `max_length` bytes (refused from its header, before its payload is read).
Result<vmm::snapshot::Record> read_record(vmm::snapshot::Reader& reader, vmm::snapshot::Tag expected,
                                          uint64_t max_length = vmm::snapshot::kMaxRecordLength);
// The next record, which must be `expected` with a JSON object payload.
Result<nlohmann::json> read_json(vmm::snapshot::Reader& reader, vmm::snapshot::Tag expected,
                                 uint64_t max_length = vmm::snapshot::kMaxRecordLength);
// A Reply record's verdict: ok, or the peer's error (Conflict kind) prefixed with `who`.
Result<nlohmann::json> read_reply(vmm::snapshot::Reader& reader, std::string_view who);

} // namespace sf::host
