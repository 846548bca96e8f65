// superfluid store: how LmdbBackend lays nodes out in LMDB (keys and records).
//
// Three databases in one environment:
//   "nodes":    node key -> node record
//   "children": child key (parent's id + child's name) -> "" or the full name
//   "meta":     "format" (u32), "next_id" (u64), "hash_key" (16 random bytes)
//
// Node key: the canonical path itself when it fits LMDB's 511-byte key limit;
// a longer path (store paths go up to 3072 bytes) is keyed by its first 479
// bytes, a NUL and a 16-byte keyed hash (SipHash-2-4 twice, with the
// environment's random hash_key, so that guests cannot craft collisions).
// Paths never contain NUL, so the two kinds never collide; a hashed record
// holds its full path, and every read checks it.
//
// Child key: the parent's 8-byte id (big-endian, so a prefix scan yields
// exactly one node's children) followed by the name; a name too long for the
// key is cut the same way (first bytes, NUL, hash) and the full name is the
// value. Each node gets its id from next_id when it is created.
//
// Node record, version 1, fixed-width little-endian fields:
//   u8 version | u8 flags (bit 0: full path follows the value)
//   u64 id | u64 generation
//   u32 permission count | count x (u32 domid, u8 access)
//   u32 value length | value bytes
//   [u32 path length | path bytes]   when flags bit 0
// Decoding checks every length exactly; anything else is a corrupt record.
#pragma once

#include "common/result.h"
#include "store/node.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sf::store::lmdb {

inline constexpr uint32_t kFormatVersion = 1; // of the whole layout ("meta"/"format")
inline constexpr uint8_t kRecordVersion = 1;
inline constexpr size_t kMaxKey = 511;    // LMDB's default maximum key size
inline constexpr size_t kCutPrefix = 479; // kept bytes of a hashed key (479 + 1 + 16 = 496 <= 511)
inline constexpr size_t kHashBytes = 16;

using HashKey = std::array<uint8_t, 16>;

// A node as stored: its content, its id, and whether its key was hashed.
struct StoredNode {
    uint64_t id = 0;
    Node node;
    bool path_in_record = false; // the key was hashed, the record carries `path`
    std::string path;            // only when path_in_record
};

// 16 bytes of SipHash-2-4 of `data` under `key` (two runs with derived keys).
std::array<uint8_t, kHashBytes> hash128(const HashKey& key, std::string_view data);

// The "nodes" key of `path`, and whether it is a hashed one.
std::string node_key(const HashKey& key, std::string_view path);
bool node_key_is_hashed(std::string_view path);
// The "children" key of `name` under the node with id `parent_id`, and the
// prefix every child key of that node starts with.
std::string child_key(const HashKey& key, uint64_t parent_id, std::string_view name);
bool child_key_is_cut(std::string_view name);
std::string children_prefix(uint64_t parent_id);

std::string encode_record(const StoredNode& stored);
// Decodes the record found under `path`'s key; the error names the path and what is wrong.
Result<StoredNode> decode_record(std::string_view bytes, std::string_view path);

} // namespace sf::store::lmdb
