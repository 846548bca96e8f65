// superfluid monitor: the snapshot stream's wire format (docs/snapshot-format.md).
//
// One format for snapshot files and migration connections: a 32-byte
// StreamHeader once, then records, each a 24-byte RecordHeader and `length`
// payload bytes. All integers are little-endian (x86-64 host order; checked
// below). checksum = XXH3-64 (seed 0) of the payload. Each part of the system
// writes and reads only its own records (docs/migration.md, "One stream").
//
// Versioning: kVersion changes whenever a layout or a meaning changes; a
// reader refuses any other version (no silent best effort across versions).
// Reserved fields are written zero and ignored on reading.
//
// Threading: constants and pure functions only.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sf::vmm::snapshot {

static_assert(std::endian::native == std::endian::little, "the snapshot format is little-endian");

inline constexpr std::array<char, 8> kMagic = {'S', 'F', 'S', 'N', 'A', 'P', '\0', '\0'};
inline constexpr uint32_t kVersion = 1;

struct StreamHeader {
    char magic[8];            // kMagic
    uint32_t version;         // kVersion
    uint32_t flags;           // reserved: 0
    uint64_t created_wall_ns; // CLOCK_REALTIME when the writer started
    uint64_t reserved;        // 0
};
static_assert(sizeof(StreamHeader) == 32);
static_assert(offsetof(StreamHeader, version) == 8);
static_assert(offsetof(StreamHeader, created_wall_ns) == 16);

// Record tags; the values are docs/migration.md's and never change meaning.
enum class Tag : uint32_t {
    Host = 1,        // sfd: JSON
    Reply = 2,       // sfd / worker: JSON
    Commit = 3,      // sfd: JSON
    Challenge = 4,   // retired with migration handshake 1 (host/migration/migration_handshake.h): not written
    Frames = 5,      // sending sfd: frames kept while the guest left (host/migration/held_frames.h)
    Memory = 16,     // monitor: MemoryRecordHeader, indices, pages
    GuestState = 17, // monitor: GuestStateRecord (snapshot/guest_snapshot.h)
    Vcpu = 18,       // monitor: x86_64::VcpuRecord (x86_64/vcpu_record_x86_64.h)
    Nic = 19,        // monitor: NicSnapshot (devices/nic.h)
    StorePort = 20,  // monitor: StorePort::encode (devices/store_port.h)
    Console = 32,    // worker
    Watches = 33,    // worker
    GuestEnd = 48,   // worker
    End = 255,       // sfd (files only)
};

// "Vcpu", or nullopt for a value that is no Tag.
std::optional<const char*> tag_name(uint32_t tag);
// "Vcpu" or "tag 77": for messages.
std::string describe_tag(uint32_t tag);
inline std::string describe_tag(Tag tag) {
    return describe_tag(static_cast<uint32_t>(tag));
}

// Record flags.
// kFlagLivePages (Memory only): the pages may have changed while they were
// written (the guest ran, or a NIC filled its RX ring), so the checksum covers
// the MemoryRecordHeader and the indices only. Every other record is checked whole.
inline constexpr uint32_t kFlagLivePages = 1u << 0;
inline constexpr uint32_t kKnownRecordFlags = kFlagLivePages;

struct RecordHeader {
    uint32_t tag;      // Tag
    uint32_t flags;    // kFlag*; unknown bits are refused
    uint64_t length;   // payload bytes, at most kMaxRecordLength
    uint64_t checksum; // XXH3-64 of the payload (see kFlagLivePages)
};
static_assert(sizeof(RecordHeader) == 24);
static_assert(offsetof(RecordHeader, length) == 8);
static_assert(offsetof(RecordHeader, checksum) == 16);

inline constexpr uint64_t kPageSize = 4096;
// Largest payload of any record: a reader refuses more before allocating.
inline constexpr uint64_t kMaxRecordLength = 64ull << 20;
// Pages in one Memory record.
inline constexpr uint32_t kMaxPagesPerRecord = 1024;

// A Memory record's payload: this header, `count` uint64 page indices (page
// i is guest-physical [i * 4096, (i + 1) * 4096)), then `count` pages of
// 4096 bytes in the same order. Later records overwrite earlier pages.
struct MemoryRecordHeader {
    uint32_t count;    // 1 .. kMaxPagesPerRecord
    uint32_t reserved; // 0
};
static_assert(sizeof(MemoryRecordHeader) == 8);

// The payload length of a Memory record of `count` pages.
constexpr uint64_t memory_record_length(uint64_t count) {
    return sizeof(MemoryRecordHeader) + count * (sizeof(uint64_t) + kPageSize);
}
static_assert(memory_record_length(kMaxPagesPerRecord) <= kMaxRecordLength);

// XXH3-64 of bytes.
uint64_t checksum(std::span<const uint8_t> bytes);

// XXH3-64 over several pieces, as if they were one buffer.
class Checksum {
  public:
    Checksum();
    ~Checksum();
    Checksum(const Checksum&) = delete;
    Checksum& operator=(const Checksum&) = delete;
    void update(std::span<const uint8_t> bytes);
    uint64_t digest() const;

  private:
    void* state_; // XXH3_state_t
};

} // namespace sf::vmm::snapshot
