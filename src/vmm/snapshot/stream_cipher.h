// superfluid monitor: StreamCipher, one direction of a sealed migration
// stream (docs/snapshot-format.md, "Sealed stream").
//
// After the migration handshake (host/migration/migration_handshake.h) every
// byte of the snapshot stream travels in sealed frames:
//
//   SealedFrameHeader {uint32 length}   plaintext bytes, 1 .. kMaxFramePlain
//   length bytes of AES-256-GCM ciphertext
//   16 bytes of GCM tag
//
// The nonce is the direction's 12-byte IV with its last 8 bytes XORed with
// the frame's sequence number (big-endian; 0 for the direction's first frame,
// then 1, 2, ...: TLS 1.3's construction), the additional data is the 4-byte
// header. A frame that was altered, dropped, replayed, reordered or moved to
// the other direction (another key) fails to open. The sequence is not on the
// wire: both ends count, and a StreamCipher's count continues across the
// Writers and Readers that take turns on one connection (sfd, then a worker,
// then sfd: the worker is handed the key and the count, and gives the count
// back, host/migration/migration_session.h).
//
// Threading: one thread at a time uses a StreamCipher (it is the state of
// one direction of one connection).
#pragma once

#include "common/result.h"

#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace sf::vmm::snapshot {

struct SealedFrameHeader {
    uint32_t length; // plaintext (= ciphertext) bytes that follow, before the tag
};
static_assert(sizeof(SealedFrameHeader) == 4);

// The secret of one direction: an AES-256 key and a 12-byte IV.
struct CipherKey {
    std::array<uint8_t, 32> key{};
    std::array<uint8_t, 12> iv{};
};

class StreamCipher {
  public:
    // Frames hold at most this much plaintext: a writer seals larger writes
    // in several frames, a reader never buffers more than one frame.
    static constexpr size_t kMaxFramePlain = 64 << 10;
    static constexpr size_t kTagBytes = 16;
    static constexpr size_t kOverhead = sizeof(SealedFrameHeader) + kTagBytes;

    // A cipher that seals (a Writer's) or opens (a Reader's) frames, the next
    // one being number `sequence`.
    static Result<StreamCipher> sealing(const CipherKey& key, uint64_t sequence = 0);
    static Result<StreamCipher> opening(const CipherKey& key, uint64_t sequence = 0);
    ~StreamCipher();
    StreamCipher(StreamCipher&&) noexcept;
    StreamCipher& operator=(StreamCipher&&) noexcept;

    // Appends one frame sealing the bytes of `pieces` (together 1 ..
    // kMaxFramePlain bytes) to `out`. The pieces are read once (pages a
    // running guest writes meanwhile are sealed as they were read).
    [[nodiscard]] Result<void> seal(std::span<const iovec> pieces, std::vector<uint8_t>& out);
    // Opens, in place, a frame of `length` plaintext bytes: `body` holds its
    // ciphertext and then its tag (length + kTagBytes bytes). Afterwards the
    // first `length` bytes of body are the plaintext. InvalidArgument
    // ("sealed frame N: authentication failed") for anything altered.
    [[nodiscard]] Result<void> open(uint32_t length, std::span<uint8_t> body);

    // Continues at frame `sequence` (the count a worker reached on the same
    // connection). InvalidArgument if that is behind: a nonce is never reused.
    [[nodiscard]] Result<void> advance_to(uint64_t sequence);

    bool is_sealing() const { return sealing_; }
    const CipherKey& key() const { return key_; }
    // The number of the next frame.
    uint64_t sequence() const { return sequence_; }

  private:
    struct CtxFree {
        void operator()(EVP_CIPHER_CTX* ctx) const;
    };
    StreamCipher(std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx, const CipherKey& key, uint64_t sequence,
                 bool sealing);
    static Result<StreamCipher> make(const CipherKey& key, uint64_t sequence, bool sealing);
    std::array<uint8_t, 12> nonce() const;

    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx_;
    CipherKey key_;
    uint64_t sequence_ = 0;
    bool sealing_ = true;
};

} // namespace sf::vmm::snapshot
