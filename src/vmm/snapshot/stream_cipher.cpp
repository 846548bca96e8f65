// superfluid monitor: sealing and opening migration stream frames (AES-256-GCM).
#include "vmm/snapshot/stream_cipher.h"

#include <openssl/evp.h>

#include <climits>
#include <cstring>

namespace sf::vmm::snapshot {

void StreamCipher::CtxFree::operator()(EVP_CIPHER_CTX* ctx) const {
    EVP_CIPHER_CTX_free(ctx);
}

StreamCipher::StreamCipher(std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx, const CipherKey& key,
                           uint64_t sequence, bool sealing)
    : ctx_(std::move(ctx)), key_(key), sequence_(sequence), sealing_(sealing) {}

StreamCipher::~StreamCipher() = default;
StreamCipher::StreamCipher(StreamCipher&&) noexcept = default;
StreamCipher& StreamCipher::operator=(StreamCipher&&) noexcept = default;

Result<StreamCipher> StreamCipher::sealing(const CipherKey& key, uint64_t sequence) {
    return make(key, sequence, true);
}

Result<StreamCipher> StreamCipher::opening(const CipherKey& key, uint64_t sequence) {
    return make(key, sequence, false);
}

// The key is set up once; each frame only sets its nonce.
Result<StreamCipher> StreamCipher::make(const CipherKey& key, uint64_t sequence, bool sealing) {
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return error("EVP_CIPHER_CTX_new failed");
    const int ready =
        sealing ? EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.key.data(), nullptr)
                : EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.key.data(), nullptr);
    if (ready != 1) return error("AES-256-GCM is not available");
    return StreamCipher(std::move(ctx), key, sequence, sealing);
}

Result<void> StreamCipher::advance_to(uint64_t sequence) {
    if (sequence < sequence_)
        return error(ErrorKind::InvalidArgument, "sealed stream: frame {} is behind frame {}", sequence,
                     sequence_);
    sequence_ = sequence;
    return ok();
}

std::array<uint8_t, 12> StreamCipher::nonce() const {
    std::array<uint8_t, 12> nonce = key_.iv;
    for (int i = 0; i < 8; ++i)
        nonce[static_cast<size_t>(11 - i)] ^= static_cast<uint8_t>(sequence_ >> (8 * i));
    return nonce;
}

Result<void> StreamCipher::seal(std::span<const iovec> pieces, std::vector<uint8_t>& out) {
    size_t length = 0;
    for (const iovec& piece : pieces)
        length += piece.iov_len;
    if (!sealing_ || length == 0 || length > kMaxFramePlain)
        return error("internal: sealing {} bytes in one frame (1 to {})", length, kMaxFramePlain);
    if (sequence_ == UINT64_MAX) return error("sealed stream: no frame numbers left");
    const SealedFrameHeader header{static_cast<uint32_t>(length)};
    const size_t at = out.size();
    out.resize(at + sizeof(header) + length + kTagBytes);
    uint8_t* frame = out.data() + at;
    std::memcpy(frame, &header, sizeof(header));
    uint8_t* cipher = frame + sizeof(header);
    int n = 0;
    const auto iv = nonce();
    bool good = EVP_EncryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv.data()) == 1 &&
                EVP_EncryptUpdate(ctx_.get(), nullptr, &n, frame, sizeof(header)) == 1;
    for (const iovec& piece : pieces) {
        if (!good || piece.iov_len == 0) continue;
        good = EVP_EncryptUpdate(ctx_.get(), cipher, &n, static_cast<const uint8_t*>(piece.iov_base),
                                 static_cast<int>(piece.iov_len)) == 1;
        cipher += n;
    }
    good = good && EVP_EncryptFinal_ex(ctx_.get(), cipher, &n) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                               frame + sizeof(header) + length) == 1;
    if (!good) {
        out.resize(at);
        return error("sealed stream: encrypting frame {} failed", sequence_);
    }
    ++sequence_;
    return ok();
}

Result<void> StreamCipher::open(uint32_t length, std::span<uint8_t> body) {
    if (sealing_ || length == 0 || length > kMaxFramePlain || body.size() != length + kTagBytes)
        return error("internal: opening a frame of {} bytes in {}", length, body.size());
    const SealedFrameHeader header{length};
    const auto iv = nonce();
    int n = 0;
    const bool good =
        EVP_DecryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv.data()) == 1 &&
        EVP_DecryptUpdate(ctx_.get(), nullptr, &n, reinterpret_cast<const uint8_t*>(&header),
                          sizeof(header)) == 1 &&
        EVP_DecryptUpdate(ctx_.get(), body.data(), &n, body.data(), static_cast<int>(length)) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, body.data() + length) == 1 &&
        EVP_DecryptFinal_ex(ctx_.get(), body.data() + length, &n) == 1;
    if (!good)
        return error(
            ErrorKind::InvalidArgument,
            "sealed frame {}: authentication failed (altered, replayed, reordered or not from the peer)",
            sequence_);
    ++sequence_;
    return ok();
}

} // namespace sf::vmm::snapshot
