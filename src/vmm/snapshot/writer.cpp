// superfluid monitor: writing a snapshot stream.
#include "vmm/snapshot/writer.h"

#include "vmm/snapshot/iovec_span.h"

#include "vmm/guest_clock.h"

#include <limits.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace sf::vmm::snapshot {

Writer::Writer(int fd, IoDeadline limits, StreamCipher* cipher) : fd_(fd), limits_(limits), cipher_(cipher) {}

ssize_t Writer::write_once(std::span<iovec> iov) {
    const size_t count = std::min<size_t>(iov.size(), IOV_MAX);
    if (!not_socket_) {
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = count;
        ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0 || errno != ENOTSOCK) return n;
        not_socket_ = true;
    }
    return ::writev(fd_.get(), iov.data(), static_cast<int>(count));
}

Result<void> Writer::write_all(std::span<iovec> iov) {
    if (broken_) return error("snapshot write: the stream broke earlier");
    broken_ = true; // until this write completes
    const uint64_t bytes = total(iov);
    SF_TRY(cipher_ ? write_sealed(iov) : write_raw(iov));
    bytes_written_ += bytes;
    broken_ = false;
    return ok();
}

// Frames of at most kMaxFramePlain bytes, each sealed into sealed_ and
// written before the next is sealed (the kernel sends one while the next is
// encrypted).
Result<void> Writer::write_sealed(std::span<iovec> iov) {
    std::vector<iovec> pieces;
    while (!(iov = advance(iov, size_t{0})).empty()) {
        pieces.clear();
        size_t room = StreamCipher::kMaxFramePlain;
        for (size_t i = 0; i < iov.size() && room > 0; ++i) {
            const size_t take = std::min(room, iov[i].iov_len);
            if (take > 0) pieces.push_back(iov_of(iov[i].iov_base, take));
            room -= take;
        }
        iov = advance(iov, StreamCipher::kMaxFramePlain - room);
        sealed_.clear();
        SF_TRY(cipher_->seal(pieces, sealed_));
        iovec frame[] = {iov_of(sealed_.data(), sealed_.size())};
        SF_TRY(write_raw(frame));
    }
    return ok();
}

Result<void> Writer::write_raw(std::span<iovec> iov) {
    while (!iov.empty() && iov.front().iov_len == 0)
        iov = iov.subspan(1);
    while (!iov.empty()) {
        ssize_t n = write_once(iov);
        if (n > 0) {
            iov = advance(iov, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return error("snapshot write failed: {}", std::strerror(errno));
        if (limits_.expired()) return error("snapshot write: deadline passed");
        pollfd pfd{fd_.get(), POLLOUT, 0};
        const int ready = ::poll(&pfd, 1, limits_.next_wait_ms());
        if (ready < 0 && errno != EINTR)
            return error("snapshot write: poll failed: {}", std::strerror(errno));
        if (ready == 0 && limits_.expired()) return error("snapshot write: deadline passed");
        if (ready == 0)
            return error("snapshot write: no progress for {} ms (is the peer gone?)", limits_.stall.count());
    }
    return ok();
}

Result<void> Writer::header() {
    StreamHeader header{};
    std::memcpy(header.magic, kMagic.data(), sizeof(header.magic));
    header.version = kVersion;
    header.created_wall_ns = host_wall_ns();
    iovec iov[] = {iov_of(&header, sizeof(header))};
    return write_all(iov);
}

Result<void> Writer::record(Tag tag, std::span<const uint8_t> payload) {
    if (payload.size() > kMaxRecordLength)
        return error("internal: a {} record of {} bytes (the maximum is {})", describe_tag(tag),
                     payload.size(), kMaxRecordLength);
    RecordHeader header{static_cast<uint32_t>(tag), 0, payload.size(), checksum(payload)};
    iovec iov[] = {iov_of(&header, sizeof(header)), iov_of(payload.data(), payload.size())};
    SF_TRY(write_all(iov));
    ++records_written_;
    return ok();
}

Result<void> Writer::record(Tag tag, std::string_view json) {
    return record(tag, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(json.data()), json.size()));
}

Result<void> Writer::pages(const GuestMemory& memory, std::span<const uint64_t> page_indices,
                           PageCheck check) {
    for (size_t i = 0; i < page_indices.size(); ++i) {
        if (page_indices[i] >= memory.page_count())
            return error("internal: page {} is outside a memory of {} pages", page_indices[i],
                         memory.page_count());
        if (i > 0 && page_indices[i] <= page_indices[i - 1])
            return error("internal: page indices to write must be strictly ascending ({} after {})",
                         page_indices[i], page_indices[i - 1]);
    }
    while (!page_indices.empty()) {
        const size_t n = std::min<size_t>(page_indices.size(), kMaxPagesPerRecord);
        SF_TRY(write_batch(memory, page_indices.first(n), check));
        page_indices = page_indices.subspan(n);
    }
    return ok();
}

// One Memory record: header, count, indices from the caller's span, then the
// pages from guest memory (adjacent pages in one iovec).
Result<void> Writer::write_batch(const GuestMemory& memory, std::span<const uint64_t> indices,
                                 PageCheck check) {
    const MemoryRecordHeader batch{static_cast<uint32_t>(indices.size()), 0};
    const std::span<const uint8_t> index_bytes(reinterpret_cast<const uint8_t*>(indices.data()),
                                               indices.size_bytes());
    Checksum sum;
    sum.update({reinterpret_cast<const uint8_t*>(&batch), sizeof(batch)});
    sum.update(index_bytes);
    std::vector<iovec> iov;
    iov.reserve(3 + indices.size());
    RecordHeader header{static_cast<uint32_t>(Tag::Memory), check == PageCheck::Live ? kFlagLivePages : 0,
                        memory_record_length(indices.size()), 0};
    iov.push_back(iov_of(&header, sizeof(header)));
    iov.push_back(iov_of(&batch, sizeof(batch)));
    iov.push_back(iov_of(index_bytes.data(), index_bytes.size()));
    for (size_t i = 0; i < indices.size(); ++i) {
        const uint8_t* page = memory.host_base() + indices[i] * kPageSize;
        if (check == PageCheck::Full) sum.update({page, kPageSize});
        if (i > 0 && indices[i] == indices[i - 1] + 1)
            iov.back().iov_len += kPageSize;
        else
            iov.push_back(iov_of(page, kPageSize));
    }
    header.checksum = sum.digest();
    SF_TRY(write_all(iov));
    ++records_written_;
    pages_written_ += indices.size();
    return ok();
}

} // namespace sf::vmm::snapshot
