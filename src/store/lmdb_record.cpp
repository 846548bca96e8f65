// superfluid store: LmdbBackend's keys and records (see lmdb_record.h).
#include "store/lmdb_record.h"

#include <cstring>

namespace sf::store::lmdb {
namespace {

uint64_t rotl(uint64_t x, int b) {
    return (x << b) | (x >> (64 - b));
}

uint64_t load_le64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

struct SipState {
    uint64_t v0, v1, v2, v3;
    void round() {
        v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32);
        v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;
        v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;
        v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32);
    }
    void absorb(uint64_t m) {
        v3 ^= m;
        round(), round();
        v0 ^= m;
    }
};

// SipHash-2-4 (Aumasson, Bernstein), 64-bit output.
uint64_t siphash24(uint64_t k0, uint64_t k1, std::string_view data) {
    SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
               k1 ^ 0x7465646279746573ULL};
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    size_t full = data.size() / 8 * 8;
    for (size_t i = 0; i < full; i += 8)
        s.absorb(load_le64(p + i));
    uint64_t last = uint64_t(data.size() & 0xff) << 56;
    for (size_t i = full; i < data.size(); ++i)
        last |= uint64_t(p[i]) << (8 * (i - full));
    s.absorb(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i)
        s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

void put_u8(std::string& out, uint8_t v) {
    out.push_back(static_cast<char>(v));
}
void put_le(std::string& out, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_be64(std::string& out, uint64_t v) {
    for (int i = 7; i >= 0; --i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Reads fixed-width little-endian fields, remembering the first shortfall.
class Reader {
  public:
    explicit Reader(std::string_view bytes) : bytes_(bytes) {}
    bool take(size_t n, std::string_view& out) {
        if (bytes_.size() - pos_ < n) return false;
        out = bytes_.substr(pos_, n);
        pos_ += n;
        return true;
    }
    bool le(int width, uint64_t& out) {
        std::string_view b;
        if (!take(static_cast<size_t>(width), b)) return false;
        out = 0;
        for (int i = width - 1; i >= 0; --i)
            out = (out << 8) | static_cast<uint8_t>(b[static_cast<size_t>(i)]);
        return true;
    }
    size_t left() const { return bytes_.size() - pos_; }

  private:
    std::string_view bytes_;
    size_t pos_ = 0;
};

std::string cut_key(const HashKey& key, std::string_view text) {
    std::string out(text.substr(0, kCutPrefix));
    out.push_back('\0');
    auto h = hash128(key, text);
    out.append(reinterpret_cast<const char*>(h.data()), h.size());
    return out;
}

Error corrupt(std::string_view path, std::string_view why) {
    return error("lmdb: corrupt record for {}: {}", path, why);
}

} // namespace

std::array<uint8_t, kHashBytes> hash128(const HashKey& key, std::string_view data) {
    uint64_t k0 = load_le64(key.data()), k1 = load_le64(key.data() + 8);
    uint64_t a = siphash24(k0, k1, data);
    uint64_t b = siphash24(k0 ^ 0x9e3779b97f4a7c15ULL, k1 ^ 0xc2b2ae3d27d4eb4fULL, data);
    std::array<uint8_t, kHashBytes> out{};
    for (int i = 0; i < 8; ++i) {
        out[static_cast<size_t>(i)] = static_cast<uint8_t>(a >> (8 * i));
        out[static_cast<size_t>(8 + i)] = static_cast<uint8_t>(b >> (8 * i));
    }
    return out;
}

bool node_key_is_hashed(std::string_view path) {
    return path.size() > kMaxKey;
}

std::string node_key(const HashKey& key, std::string_view path) {
    return node_key_is_hashed(path) ? cut_key(key, path) : std::string(path);
}

bool child_key_is_cut(std::string_view name) {
    return 8 + name.size() > kMaxKey;
}

std::string children_prefix(uint64_t parent_id) {
    std::string out;
    put_be64(out, parent_id);
    return out;
}

std::string child_key(const HashKey& key, uint64_t parent_id, std::string_view name) {
    std::string out = children_prefix(parent_id);
    if (child_key_is_cut(name)) {
        out += cut_key(key, name);
    } else {
        out += name;
    }
    return out;
}

std::string encode_record(const StoredNode& stored) {
    const Node& node = stored.node;
    std::string out;
    out.reserve(32 + node.perms.entries.size() * 5 + node.value.size() + stored.path.size());
    put_u8(out, kRecordVersion);
    put_u8(out, stored.path_in_record ? 1 : 0);
    put_le(out, stored.id, 8);
    put_le(out, node.generation, 8);
    put_le(out, node.perms.entries.size(), 4);
    for (const Permission& p : node.perms.entries) {
        put_le(out, p.domid, 4);
        put_u8(out, static_cast<uint8_t>(p.access));
    }
    put_le(out, node.value.size(), 4);
    out += node.value;
    if (stored.path_in_record) {
        put_le(out, stored.path.size(), 4);
        out += stored.path;
    }
    return out;
}

Result<StoredNode> decode_record(std::string_view bytes, std::string_view path) {
    Reader r(bytes);
    uint64_t version = 0, flags = 0, count = 0, length = 0;
    StoredNode stored;
    if (!r.le(1, version)) return corrupt(path, "empty");
    if (version != kRecordVersion)
        return corrupt(path, fmt::format("record version {} (expected {})", version, kRecordVersion));
    if (!r.le(1, flags) || (flags & ~uint64_t{1}) != 0) return corrupt(path, "bad flags");
    if (!r.le(8, stored.id) || !r.le(8, stored.node.generation)) return corrupt(path, "truncated header");
    if (!r.le(4, count) || count > r.left() / 5) return corrupt(path, "bad permission count");
    for (uint64_t i = 0; i < count; ++i) {
        uint64_t domid = 0, access = 0;
        if (!r.le(4, domid) || !r.le(1, access) || access > 3) return corrupt(path, "bad permission");
        stored.node.perms.entries.push_back({static_cast<DomainId>(domid), static_cast<Access>(access)});
    }
    std::string_view text;
    if (!r.le(4, length) || !r.take(length, text)) return corrupt(path, "truncated value");
    stored.node.value = std::string(text);
    stored.path_in_record = (flags & 1) != 0;
    if (stored.path_in_record) {
        if (!r.le(4, length) || !r.take(length, text)) return corrupt(path, "truncated path");
        stored.path = std::string(text);
        if (stored.path != path) return corrupt(path, "its key belongs to another path (hash collision)");
    }
    if (r.left() != 0) return corrupt(path, fmt::format("{} trailing bytes", r.left()));
    return stored;
}

} // namespace sf::store::lmdb
