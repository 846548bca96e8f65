// superfluid monitor: snapshot::Writer, writes a snapshot stream to an fd.
//
// Over a file, a pipe or a connected socket (borrowed: the caller keeps it
// open and closes it). Short writes, EINTR and EAGAIN are handled; every wait
// is bounded by the IoDeadline (a dead peer gives an error, never a hang).
// The fd is non-blocking while the Writer lives (see fd_mode.h).
//
// After an error the stream is broken (a record may be half written): the
// Writer refuses further writes, and the caller abandons the stream.
//
// Sockets: give a migration socket large buffers (SO_SNDBUF / SO_RCVBUF of a
// few MiB): 2 MiB of pages over a Unix socketpair took 10-14 ms with the
// default buffers (a poll round trip per ~200 KiB) and 1.8 ms with 4 MiB.
//
// Sealed (a migration connection after its handshake): with a StreamCipher,
// every write goes out as sealed frames (stream_cipher.h) of at most
// StreamCipher::kMaxFramePlain bytes; a frame never holds bytes of two
// writes (a record, or the stream header, is one write), so a Reader that
// stops after a record has read no byte of the next. Pages are encrypted
// straight from guest memory into one reused buffer. bytes_written() counts
// the stream's bytes, not the frames'.
//
// Threading: one thread uses a Writer. pages() reads guest memory: the caller
// says whether those pages are stable while written (PageCheck below).
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
#include <string_view>
#include <vector>

namespace sf::vmm::snapshot {

// How a Memory record's checksum covers its pages.
enum class PageCheck {
    Full, // nothing writes the pages while they are written (guest paused, no NIC ring among them)
    Live, // they may change meanwhile (pre-copy rounds, NIC rings): kFlagLivePages
};

class Writer {
  public:
    // `cipher` (borrowed, outlives the Writer): seal every write with it.
    explicit Writer(int fd, IoDeadline limits = {}, StreamCipher* cipher = nullptr);
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    void set_deadline(IoDeadline::Clock::time_point deadline) { limits_.deadline = deadline; }

    // The 32-byte stream header (version kVersion, created now). Once, first,
    // by whoever starts the stream (sfd for files; not the worker).
    [[nodiscard]] Result<void> header();
    // One record. Errors if payload.size() > kMaxRecordLength.
    [[nodiscard]] Result<void> record(Tag tag, std::span<const uint8_t> payload);
    [[nodiscard]] Result<void> record(Tag tag, std::string_view json);
    // Memory records (at most kMaxPagesPerRecord pages each) for these page
    // indices, written with writev straight from guest memory (no copy of the
    // page data). Indices must be strictly ascending and < memory.size() / 4096
    // (an internal error otherwise, nothing written). Sockets are written with
    // MSG_NOSIGNAL; for a pipe, the process should ignore SIGPIPE (the worker does).
    [[nodiscard]] Result<void> pages(const GuestMemory& memory, std::span<const uint64_t> page_indices,
                                     PageCheck check = PageCheck::Full);

    uint64_t bytes_written() const { return bytes_written_; }
    uint64_t records_written() const { return records_written_; }
    uint64_t pages_written() const { return pages_written_; }

  private:
    Result<void> write_all(std::span<iovec> iov);
    Result<void> write_sealed(std::span<iovec> iov);
    Result<void> write_raw(std::span<iovec> iov);
    ssize_t write_once(std::span<iovec> iov);
    Result<void> write_batch(const GuestMemory& memory, std::span<const uint64_t> indices, PageCheck check);

    NonBlockingFd fd_;
    IoDeadline limits_;
    StreamCipher* cipher_;
    std::vector<uint8_t> sealed_; // the frame being written (sealed only)
    bool broken_ = false;
    bool not_socket_ = false; // sendmsg gave ENOTSOCK: writev from then on
    uint64_t bytes_written_ = 0;
    uint64_t records_written_ = 0;
    uint64_t pages_written_ = 0;
};

} // namespace sf::vmm::snapshot
