// superfluid monitor: snapshot::Reader, reads a snapshot stream from an fd.
//
// Over a file, a pipe or a connected socket (borrowed). It reads exactly the
// bytes of what it returns and nothing more (no read-ahead), so after the
// guest part another reader (sfd) can go on reading the same fd. Every wait
// is bounded by the IoDeadline; the fd is non-blocking while the Reader lives.
//
// What it refuses, with a one-line message: a wrong magic or version
// ("not a superfluid snapshot (magic 'ELF...')", "snapshot version 7; this
// build reads version 1"), an unknown tag or flag, a length over
// kMaxRecordLength (before allocating anything), a checksum mismatch
// ("snapshot record 7 (Vcpu): checksum mismatch"), a stream that ends early
// ("truncated: record 3 wants 4096 bytes, 100 left" — the count of bytes that
// did arrive), a malformed Memory record or a page index outside the memory.
// After an error the stream is unusable.
//
// Record numbers in messages count from 1 after the stream header.
//
// Sealed (a migration connection after its handshake): with a StreamCipher,
// the Reader reads whole sealed frames (stream_cipher.h), opens each before
// handing out any of its bytes (a frame that fails authentication breaks the
// stream: nothing of it is used), and copies from it. A writer never puts
// two records in one frame, so a Reader that stops after a record leaves the
// next record's frames unread (no read-ahead still). bytes_read() counts the
// stream's bytes, not the frames'. A frame claiming more than
// StreamCipher::kMaxFramePlain bytes is refused before it is read.
//
// Threading: one thread uses a Reader.
#pragma once

#include "common/result.h"
#include "vmm/guest_memory.h"
#include "vmm/snapshot/fd_mode.h"
#include "vmm/snapshot/format.h"
#include "vmm/snapshot/io_deadline.h"
#include "vmm/snapshot/stream_cipher.h"

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sf::vmm::snapshot {

struct Record {
    Tag tag = Tag::End;
    uint32_t flags = 0;
    // The payload; empty for a Memory record read into guest memory.
    std::vector<uint8_t> payload;
    // A Memory record read into guest memory: how many pages it held.
    uint32_t pages = 0;
};

class Reader {
  public:
    // `cipher` (borrowed, outlives the Reader): open every frame with it.
    explicit Reader(int fd, IoDeadline limits = {}, StreamCipher* cipher = nullptr);
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    void set_deadline(IoDeadline::Clock::time_point deadline) { limits_.deadline = deadline; }

    // The stream header: refuses a wrong magic or version.
    [[nodiscard]] Result<StreamHeader> header();

    // The next record, checksum verified. With `memory`, a Memory record's
    // pages go straight into it (read_pages below); without, its payload is
    // returned as bytes like any other record's.
    [[nodiscard]] Result<Record> next(GuestMemory* memory = nullptr);

    // The same in two steps, for callers that choose per record:
    // the next record's header (tag, flags and length checked) ...
    [[nodiscard]] Result<RecordHeader> next_header();
    // ... then its payload, checksum verified ...
    [[nodiscard]] Result<std::vector<uint8_t>> read_payload(const RecordHeader& header);
    // ... or, for a Memory record, its pages straight into `memory`: reads the
    // indices, checks each against the guest's own range [SF_GUEST_BASE_GPA,
    // memory.size()) (the monitor range and the boot info are the receiver's
    // to build, never taken from a stream), readv()s the pages into place,
    // then verifies the checksum. Returns the page count. On an error the
    // memory holds some of the pages: discard it.
    [[nodiscard]] Result<uint32_t> read_pages(const RecordHeader& header, GuestMemory& memory);

    uint64_t bytes_read() const { return bytes_read_; }
    uint64_t records_read() const { return records_read_; }

  private:
    // Fills iov; returns the bytes read, fewer only when the stream ended.
    Result<uint64_t> read_all(std::span<struct iovec> iov);
    Result<uint64_t> read_raw(std::span<struct iovec> iov);
    Result<uint64_t> read_sealed(std::span<struct iovec> iov);
    // The next sealed frame into frame_, opened; false at the end of the stream (before a frame).
    Result<bool> next_frame();
    // Reads a piece of the current record's payload (truncation names the record).
    Result<void> read_payload_part(std::span<struct iovec> iov);
    Error fail(Error err);
    std::string record_label() const;

    NonBlockingFd fd_;
    IoDeadline limits_;
    StreamCipher* cipher_;
    std::vector<uint8_t> frame_; // sealed only: the opened frame's plaintext ...
    size_t frame_at_ = 0;        // ... of which this much was handed out
    size_t frame_end_ = 0;
    bool broken_ = false;
    uint64_t bytes_read_ = 0;
    uint64_t records_read_ = 0; // headers read (record numbers in messages)
    RecordHeader current_{};    // the record whose payload is next
    uint64_t record_left_ = 0;  // payload bytes of the current record not read yet
};

} // namespace sf::vmm::snapshot
