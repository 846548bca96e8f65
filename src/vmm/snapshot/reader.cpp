// superfluid monitor: reading a snapshot stream.
#include "vmm/snapshot/reader.h"

#include "vmm/snapshot/iovec_span.h"

#include "superfluid/abi.h"

#include <poll.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace sf::vmm::snapshot {

Reader::Reader(int fd, IoDeadline limits, StreamCipher* cipher) : fd_(fd), limits_(limits), cipher_(cipher) {}

Error Reader::fail(Error err) {
    broken_ = true;
    return err;
}

std::string Reader::record_label() const {
    return fmt::format("record {} ({})", records_read_, describe_tag(current_.tag));
}

Result<uint64_t> Reader::read_all(std::span<iovec> iov) {
    SF_TRY_ASSIGN(const uint64_t done, cipher_ ? read_sealed(iov) : read_raw(iov));
    bytes_read_ += done;
    return done;
}

Result<uint64_t> Reader::read_sealed(std::span<iovec> iov) {
    uint64_t done = 0;
    while (!(iov = advance(iov, size_t{0})).empty()) {
        if (frame_at_ == frame_end_) {
            SF_TRY_ASSIGN(const bool more, next_frame());
            if (!more) return done;
        }
        const size_t n = std::min(iov.front().iov_len, frame_end_ - frame_at_);
        std::memcpy(iov.front().iov_base, frame_.data() + frame_at_, n);
        frame_at_ += n;
        done += n;
        iov = advance(iov, n);
    }
    return done;
}

Result<bool> Reader::next_frame() {
    SealedFrameHeader header{};
    iovec head[] = {iov_of(&header, sizeof(header))};
    SF_TRY_ASSIGN(const uint64_t got, read_raw(head));
    if (got == 0) return false;
    if (got < sizeof(header)) return fail(error("truncated: a sealed frame's header was cut"));
    if (header.length == 0 || header.length > StreamCipher::kMaxFramePlain)
        return fail(error("sealed stream: a frame of {} bytes (1 to {})", header.length,
                          StreamCipher::kMaxFramePlain));
    frame_.resize(header.length + StreamCipher::kTagBytes);
    iovec body[] = {iov_of(frame_.data(), frame_.size())};
    SF_TRY_ASSIGN(const uint64_t arrived, read_raw(body));
    if (arrived < frame_.size())
        return fail(error("truncated: a sealed frame wants {} bytes, {} left", frame_.size(), arrived));
    if (Result<void> opened = cipher_->open(header.length, frame_); !opened)
        return fail(std::move(opened).error());
    frame_at_ = 0;
    frame_end_ = header.length;
    return true;
}

Result<uint64_t> Reader::read_raw(std::span<iovec> iov) {
    uint64_t done = 0;
    while (!iov.empty() && iov.front().iov_len == 0)
        iov = iov.subspan(1);
    while (!iov.empty()) {
        const ssize_t n =
            ::readv(fd_.get(), iov.data(), static_cast<int>(std::min<size_t>(iov.size(), IOV_MAX)));
        if (n > 0) {
            done += static_cast<uint64_t>(n);
            iov = advance(iov, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) return done; // end of stream
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return error("snapshot read failed: {}", std::strerror(errno));
        if (limits_.expired()) return error("snapshot read: deadline passed");
        pollfd pfd{fd_.get(), POLLIN, 0};
        const int ready = ::poll(&pfd, 1, limits_.next_wait_ms());
        if (ready < 0 && errno != EINTR) return error("snapshot read: poll failed: {}", std::strerror(errno));
        if (ready == 0 && limits_.expired()) return error("snapshot read: deadline passed");
        if (ready == 0)
            return error("snapshot read: nothing for {} ms (is the peer gone?)", limits_.stall.count());
    }
    return done;
}

Result<void> Reader::read_payload_part(std::span<iovec> iov) {
    const uint64_t wanted = total(iov);
    if (wanted > record_left_) return fail(error("internal: reading past {}", record_label()));
    auto got = read_all(iov);
    if (!got) return fail(std::move(got).error());
    const uint64_t arrived = current_.length - record_left_ + *got;
    record_left_ -= *got;
    if (*got < wanted)
        return fail(error("truncated: {} wants {} bytes, {} left", record_label(), current_.length, arrived));
    return ok();
}

Result<StreamHeader> Reader::header() {
    if (broken_) return error("snapshot read: the stream broke earlier");
    StreamHeader header{};
    iovec iov[] = {iov_of(&header, sizeof(header))};
    SF_TRY_ASSIGN(uint64_t got, read_all(iov));
    if (got < sizeof(header))
        return fail(error("truncated: the stream header wants {} bytes, {} left", sizeof(header), got));
    if (std::memcmp(header.magic, kMagic.data(), kMagic.size()) != 0)
        // Never quotes the bytes it found: a restore names files, and this message goes back to the client.
        return fail(error("not a superfluid snapshot (it does not start with the SFSNAP magic)"));
    if (header.version != kVersion)
        return fail(error("snapshot version {}; this build reads version {} only", header.version, kVersion));
    return header;
}

Result<RecordHeader> Reader::next_header() {
    if (broken_) return error("snapshot read: the stream broke earlier");
    if (record_left_ != 0) return fail(error("internal: {} was not read to its end", record_label()));
    RecordHeader header{};
    iovec iov[] = {iov_of(&header, sizeof(header))};
    ++records_read_;
    auto got = read_all(iov);
    if (!got) return fail(std::move(got).error());
    if (*got < sizeof(header))
        return fail(error("truncated: record {} header wants {} bytes, {} left", records_read_,
                          sizeof(header), *got));
    current_ = header;
    if (!tag_name(header.tag)) return fail(error("snapshot record {}: unknown tag", records_read_));
    if ((header.flags & ~kKnownRecordFlags) != 0 ||
        (header.flags != 0 && static_cast<Tag>(header.tag) != Tag::Memory))
        return fail(error("snapshot {}: unknown flags", record_label()));
    if (header.length > kMaxRecordLength)
        return fail(error("snapshot {}: length {} exceeds the maximum {}", record_label(), header.length,
                          kMaxRecordLength));
    record_left_ = header.length;
    return header;
}

Result<std::vector<uint8_t>> Reader::read_payload(const RecordHeader& header) {
    if (broken_) return error("snapshot read: the stream broke earlier");
    // Grown as the bytes arrive: a header claiming 64 MiB on a stream that
    // ends early costs no more memory than what came.
    constexpr uint64_t kChunk = 1ull << 20;
    std::vector<uint8_t> payload;
    while (payload.size() < header.length) {
        const size_t at = payload.size();
        payload.resize(at + std::min<uint64_t>(kChunk, header.length - at));
        iovec iov[] = {iov_of(payload.data() + at, payload.size() - at)};
        SF_TRY(read_payload_part(iov));
    }
    uint64_t sum = 0;
    if (static_cast<Tag>(header.tag) == Tag::Memory && (header.flags & kFlagLivePages) != 0) {
        // Only the count and indices are covered; a malformed record is the loader's to refuse.
        MemoryRecordHeader batch{};
        if (payload.size() >= sizeof(batch)) std::memcpy(&batch, payload.data(), sizeof(batch));
        const uint64_t covered = sizeof(batch) + uint64_t{batch.count} * sizeof(uint64_t);
        sum = checksum(std::span<const uint8_t>(payload).first(std::min<uint64_t>(covered, payload.size())));
    } else {
        sum = checksum(payload);
    }
    if (sum != header.checksum) return fail(error("snapshot {}: checksum mismatch", record_label()));
    return payload;
}

Result<uint32_t> Reader::read_pages(const RecordHeader& header, GuestMemory& memory) {
    if (broken_) return error("snapshot read: the stream broke earlier");
    if (static_cast<Tag>(header.tag) != Tag::Memory)
        return fail(error("internal: read_pages on {}", record_label()));
    MemoryRecordHeader batch{};
    if (header.length < sizeof(batch))
        return fail(
            error("snapshot {}: {} bytes is too short for a Memory record", record_label(), header.length));
    iovec head[] = {iov_of(&batch, sizeof(batch))};
    SF_TRY(read_payload_part(head));
    if (batch.count == 0 || batch.count > kMaxPagesPerRecord ||
        header.length != memory_record_length(batch.count))
        return fail(
            error("snapshot {}: {} pages in {} bytes (1 to {} pages of {} bytes, each with its index)",
                  record_label(), batch.count, header.length, kMaxPagesPerRecord, kPageSize));
    std::vector<uint64_t> indices(batch.count);
    iovec index_iov[] = {iov_of(indices.data(), indices.size() * sizeof(uint64_t))};
    SF_TRY(read_payload_part(index_iov));
    const uint64_t first = SF_GUEST_BASE_GPA / kPageSize;
    for (size_t i = 0; i < indices.size(); ++i) {
        if (indices[i] < first || indices[i] >= memory.page_count())
            return fail(error("snapshot {}: page {} is outside the guest's pages [{}, {})", record_label(),
                              indices[i], first, memory.page_count()));
        if (i > 0 && indices[i] <= indices[i - 1])
            return fail(error("snapshot {}: page indices not ascending ({} after {})", record_label(),
                              indices[i], indices[i - 1]));
    }
    Checksum sum;
    sum.update({reinterpret_cast<const uint8_t*>(&batch), sizeof(batch)});
    sum.update({reinterpret_cast<const uint8_t*>(indices.data()), indices.size() * sizeof(uint64_t)});
    std::vector<iovec> pages;
    for (size_t i = 0; i < indices.size(); ++i) {
        uint8_t* page = memory.host_base() + indices[i] * kPageSize;
        if (i > 0 && indices[i] == indices[i - 1] + 1)
            pages.back().iov_len += kPageSize;
        else
            pages.push_back(iov_of(page, kPageSize));
    }
    SF_TRY(read_payload_part(pages));
    if ((header.flags & kFlagLivePages) == 0)
        for (uint64_t index : indices)
            sum.update({memory.host_base() + index * kPageSize, kPageSize});
    if (sum.digest() != header.checksum) return fail(error("snapshot {}: checksum mismatch", record_label()));
    return batch.count;
}

Result<Record> Reader::next(GuestMemory* memory) {
    SF_TRY_ASSIGN(RecordHeader header, next_header());
    Record record{static_cast<Tag>(header.tag), header.flags, {}, 0};
    if (record.tag == Tag::Memory && memory != nullptr) {
        SF_TRY_ASSIGN(record.pages, read_pages(header, *memory));
    } else {
        SF_TRY_ASSIGN(record.payload, read_payload(header));
    }
    return record;
}

} // namespace sf::vmm::snapshot
