// Unit tests (no KVM): the snapshot stream's Writer and Reader over pipes and
// files: round trips, pages straight into guest memory, and every way a
// stream can be wrong (truncated at any byte, flipped bytes, wrong magic or
// version, oversized or malformed records, pages out of range, a dead peer).
#include "superfluid/abi.h"
#include "vmm/guest_memory.h"
#include "vmm/snapshot/format.h"
#include "vmm/snapshot/reader.h"
#include "vmm/snapshot/writer.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <thread>

namespace {

using namespace sf;
using namespace sf::vmm;
using namespace sf::vmm::snapshot;

constexpr uint64_t kMem = 4ull << 20;
constexpr uint64_t kFirstPage = SF_GUEST_BASE_GPA / SF_PAGE_SIZE;

GuestMemory make_memory() {
    return std::move(GuestMemory::create(kMem).value());
}

void fill_page(GuestMemory& memory, uint64_t page, uint8_t seed) {
    for (uint64_t i = 0; i < SF_PAGE_SIZE; ++i)
        memory.host_base()[page * SF_PAGE_SIZE + i] = static_cast<uint8_t>(seed + i * 7);
}

bool same_page(const GuestMemory& a, const GuestMemory& b, uint64_t page) {
    return std::memcmp(a.host_base() + page * SF_PAGE_SIZE, b.host_base() + page * SF_PAGE_SIZE,
                       SF_PAGE_SIZE) == 0;
}

class TempFile {
  public:
    TempFile() : fd_(::memfd_create("snapshot-unit", MFD_CLOEXEC)) {}
    ~TempFile() { ::close(fd_); }
    int fd() const { return fd_; }
    std::vector<uint8_t> bytes() const {
        std::vector<uint8_t> out(static_cast<size_t>(::lseek(fd_, 0, SEEK_END)));
        EXPECT_EQ(::pread(fd_, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
        return out;
    }
    void rewind() const { ::lseek(fd_, 0, SEEK_SET); }

  private:
    int fd_;
};

// A stream in a fresh memfd holding `bytes`, positioned at 0.
std::unique_ptr<TempFile> stream_of(std::span<const uint8_t> bytes) {
    auto file = std::make_unique<TempFile>();
    EXPECT_EQ(::write(file->fd(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    file->rewind();
    return file;
}

// Reads a whole stream: header and records until End. Memory records go into
// `memory` when given. The first error, or the count of records.
Result<size_t> read_stream(int fd, GuestMemory* memory) {
    Reader reader(fd, IoDeadline{std::chrono::milliseconds(200), std::nullopt});
    SF_TRY(reader.header());
    for (size_t n = 1;; ++n) {
        SF_TRY_ASSIGN(Record record, reader.next(memory));
        if (record.tag == Tag::End) return n;
    }
}

// A small stream: header, a JSON record, two pages, a binary record, End.
std::vector<uint8_t> small_stream(const GuestMemory& memory) {
    TempFile file;
    Writer writer(file.fd());
    EXPECT_TRUE(writer.header().ok());
    EXPECT_TRUE(writer.record(Tag::Host, std::string_view(R"({"name":"x"})")).ok());
    const uint64_t pages[] = {kFirstPage + 1, kFirstPage + 2};
    EXPECT_TRUE(writer.pages(memory, pages).ok());
    const uint8_t blob[] = {1, 2, 3, 4, 5};
    EXPECT_TRUE(writer.record(Tag::Console, blob).ok());
    EXPECT_TRUE(writer.record(Tag::End, std::span<const uint8_t>()).ok());
    return file.bytes();
}

TEST(SnapshotFormat, LayoutAndTags) {
    EXPECT_EQ(sizeof(StreamHeader), 32u);
    EXPECT_EQ(sizeof(RecordHeader), 24u);
    EXPECT_EQ(static_cast<uint32_t>(Tag::Host), 1u);
    EXPECT_EQ(static_cast<uint32_t>(Tag::Challenge), 4u);
    EXPECT_EQ(static_cast<uint32_t>(Tag::Memory), 16u);
    EXPECT_EQ(static_cast<uint32_t>(Tag::StorePort), 20u);
    EXPECT_EQ(static_cast<uint32_t>(Tag::Watches), 33u);
    EXPECT_EQ(static_cast<uint32_t>(Tag::GuestEnd), 48u);
    EXPECT_EQ(static_cast<uint32_t>(Tag::End), 255u);
    EXPECT_EQ(describe_tag(Tag::Vcpu), "Vcpu");
    EXPECT_EQ(describe_tag(77), "tag 77");
    EXPECT_EQ(memory_record_length(1), 8u + 8u + 4096u);
    // XXH3-64 of the empty input (the library's published value).
    EXPECT_EQ(checksum({}), 0x2d06800538d394c2ull);
    Checksum pieces;
    const uint8_t data[] = {'a', 'b', 'c', 'd'};
    pieces.update(std::span<const uint8_t>(data).first(1));
    pieces.update(std::span<const uint8_t>(data).subspan(1));
    EXPECT_EQ(pieces.digest(), checksum(data));
}

TEST(SnapshotStream, RoundTripThroughAFile) {
    GuestMemory source = make_memory();
    fill_page(source, kFirstPage + 1, 11);
    fill_page(source, kFirstPage + 2, 22);
    TempFile file;
    Writer writer(file.fd());
    ASSERT_TRUE(writer.header().ok());
    ASSERT_TRUE(writer.record(Tag::Host, std::string_view("{}")).ok());
    const uint64_t pages[] = {kFirstPage + 1, kFirstPage + 2};
    ASSERT_TRUE(writer.pages(source, pages).ok());
    ASSERT_TRUE(writer.record(Tag::End, std::span<const uint8_t>()).ok());
    EXPECT_EQ(writer.records_written(), 3u);
    EXPECT_EQ(writer.pages_written(), 2u);
    EXPECT_EQ(writer.bytes_written(), 32u + (24 + 2) + (24 + memory_record_length(2)) + 24);
    EXPECT_EQ(file.bytes().size(), writer.bytes_written());

    file.rewind();
    GuestMemory target = make_memory();
    Reader reader(file.fd());
    auto header = reader.header();
    ASSERT_TRUE(header.ok()) << header.error().message;
    EXPECT_EQ(header->version, kVersion);
    EXPECT_GT(header->created_wall_ns, 0u);
    auto host = reader.next(&target);
    ASSERT_TRUE(host.ok());
    EXPECT_EQ(host->tag, Tag::Host);
    EXPECT_EQ(std::string(host->payload.begin(), host->payload.end()), "{}");
    auto memory = reader.next(&target);
    ASSERT_TRUE(memory.ok()) << memory.error().message;
    EXPECT_EQ(memory->tag, Tag::Memory);
    EXPECT_EQ(memory->pages, 2u);
    EXPECT_TRUE(memory->payload.empty());
    EXPECT_TRUE(same_page(source, target, kFirstPage + 1));
    EXPECT_TRUE(same_page(source, target, kFirstPage + 2));
    auto end = reader.next(&target);
    ASSERT_TRUE(end.ok());
    EXPECT_EQ(end->tag, Tag::End);
    EXPECT_EQ(reader.bytes_read(), writer.bytes_written());
    EXPECT_EQ(reader.records_read(), 3u);
}

TEST(SnapshotStream, ManyPagesThroughAPipeInSeveralRecords) {
    constexpr uint64_t kBig = 16ull << 20;
    GuestMemory source = std::move(GuestMemory::create(kBig).value());
    std::vector<uint64_t> pages;
    // 1500 pages (two records), with gaps so some iovecs are single pages.
    for (uint64_t p = kFirstPage; pages.size() < 1500; p += (p % 5 == 0 ? 2 : 1)) {
        fill_page(source, p, static_cast<uint8_t>(p));
        pages.push_back(p);
    }
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    Result<void> wrote = ok();
    uint64_t written = 0;
    std::thread sender([&] {
        Writer writer(fds[1]);
        wrote = writer.header();
        if (wrote) wrote = writer.pages(source, pages);
        if (wrote) wrote = writer.record(Tag::End, std::span<const uint8_t>());
        written = writer.bytes_written();
        ::close(fds[1]);
    });
    GuestMemory target = std::move(GuestMemory::create(kBig).value());
    auto count = read_stream(fds[0], &target);
    sender.join();
    ::close(fds[0]);
    ASSERT_TRUE(wrote.ok()) << wrote.error().message;
    ASSERT_TRUE(count.ok()) << count.error().message;
    EXPECT_EQ(*count, 3u); // two Memory records (1024 + 476) and End
    EXPECT_EQ(written, 32u + 2 * 24 + memory_record_length(1024) + memory_record_length(476) + 24);
    for (uint64_t p : pages)
        ASSERT_TRUE(same_page(source, target, p)) << p;
}

TEST(SnapshotStream, MemoryRecordAsBytesWhenNoMemoryIsGiven) {
    GuestMemory source = make_memory();
    fill_page(source, kFirstPage, 5);
    const uint64_t pages[] = {kFirstPage};
    TempFile file;
    Writer writer(file.fd());
    ASSERT_TRUE(writer.pages(source, pages).ok());
    file.rewind();
    Reader reader(file.fd());
    auto record = reader.next();
    ASSERT_TRUE(record.ok()) << record.error().message;
    EXPECT_EQ(record->tag, Tag::Memory);
    ASSERT_EQ(record->payload.size(), memory_record_length(1));
    EXPECT_EQ(std::memcmp(record->payload.data() + 16, source.host_base() + kFirstPage * SF_PAGE_SIZE,
                          SF_PAGE_SIZE),
              0);
}

TEST(SnapshotStream, ReaderReadsNoFurtherThanItsRecords) {
    GuestMemory memory = make_memory();
    std::vector<uint8_t> bytes = small_stream(memory);
    const char tail[] = "after the guest part";
    bytes.insert(bytes.end(), tail, tail + sizeof(tail));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ASSERT_EQ(::write(fds[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fds[1]);
    {
        Reader reader(fds[0]);
        ASSERT_TRUE(reader.header().ok());
        for (;;) {
            auto record = reader.next(&memory);
            ASSERT_TRUE(record.ok()) << record.error().message;
            if (record->tag == Tag::End) break;
        }
    }
    char rest[sizeof(tail)] = {};
    EXPECT_EQ(::read(fds[0], rest, sizeof(rest)), static_cast<ssize_t>(sizeof(rest)));
    EXPECT_STREQ(rest, tail);
    // The Reader put the fd's flags back: blocking again.
    EXPECT_EQ(::fcntl(fds[0], F_GETFL) & O_NONBLOCK, 0);
    ::close(fds[0]);
}

TEST(SnapshotStream, TruncatedAtEveryByteIsAnError) {
    GuestMemory memory = make_memory();
    fill_page(memory, kFirstPage + 1, 1);
    const std::vector<uint8_t> bytes = small_stream(memory);
    for (bool into_memory : {false, true}) {
        for (size_t cut = 0; cut < bytes.size(); ++cut) {
            auto file = stream_of(std::span<const uint8_t>(bytes).first(cut));
            GuestMemory target = make_memory();
            auto result = read_stream(file->fd(), into_memory ? &target : nullptr);
            ASSERT_FALSE(result.ok()) << "cut at " << cut;
            EXPECT_NE(result.error().message.find("truncated"), std::string::npos)
                << "cut at " << cut << ": " << result.error().message;
        }
    }
    auto whole = stream_of(bytes);
    EXPECT_TRUE(read_stream(whole->fd(), nullptr).ok());
}

TEST(SnapshotStream, TruncationNamesTheRecordAndWhatIsLeft) {
    GuestMemory memory = make_memory();
    const std::vector<uint8_t> bytes = small_stream(memory);
    // Cut 100 bytes into the Memory record's payload (record 2).
    const size_t memory_payload_at = 32 + 24 + 12 + 24;
    auto file = stream_of(std::span<const uint8_t>(bytes).first(memory_payload_at + 100));
    auto result = read_stream(file->fd(), nullptr);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message,
              fmt::format("truncated: record 2 (Memory) wants {} bytes, 100 left", memory_record_length(2)));
}

TEST(SnapshotStream, EveryFlippedByteIsCaught) {
    GuestMemory memory = make_memory();
    fill_page(memory, kFirstPage + 1, 3);
    const std::vector<uint8_t> bytes = small_stream(memory);
    // Flip each byte of the stream but the stream header's flags,
    // created_wall_ns and reserved (informational): every other byte is
    // checked (magic, version, tag, flags, length, checksum, payload).
    for (size_t at = 0; at < bytes.size(); ++at) {
        if (at >= 12 && at < 32) continue;
        std::vector<uint8_t> bad = bytes;
        bad[at] ^= 0x40;
        auto file = stream_of(bad);
        GuestMemory target = make_memory();
        auto result = read_stream(file->fd(), (at % 2) ? &target : nullptr);
        EXPECT_FALSE(result.ok()) << "flipped byte " << at;
    }
}

TEST(SnapshotStream, ChecksumMismatchNamesTheRecord) {
    GuestMemory memory = make_memory();
    std::vector<uint8_t> bytes = small_stream(memory);
    bytes[32 + 24 + 3] ^= 1; // inside the Host record's JSON
    auto file = stream_of(bytes);
    auto result = read_stream(file->fd(), nullptr);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "snapshot record 1 (Host): checksum mismatch");
}

TEST(SnapshotStream, WrongMagicOrVersionIsRefused) {
    GuestMemory memory = make_memory();
    std::vector<uint8_t> bytes = small_stream(memory);
    std::vector<uint8_t> elf = bytes;
    std::memcpy(elf.data(),
                "\x7f"
                "ELF\2\1\1\0",
                8);
    auto file = stream_of(elf);
    auto result = read_stream(file->fd(), nullptr);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "not a superfluid snapshot (it does not start with the SFSNAP magic)");
    EXPECT_EQ(result.error().message.find("ELF"), std::string::npos) << "the file's bytes are not quoted";

    std::vector<uint8_t> v2 = bytes;
    v2[8] = 2;
    file = stream_of(v2);
    result = read_stream(file->fd(), nullptr);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "snapshot version 2; this build reads version 1 only");
}

// A stream of a header and one record with this header and payload.
std::vector<uint8_t> one_record(RecordHeader header, std::span<const uint8_t> payload) {
    StreamHeader stream{};
    std::memcpy(stream.magic, kMagic.data(), 8);
    stream.version = kVersion;
    std::vector<uint8_t> out(sizeof(stream) + sizeof(header) + payload.size());
    std::memcpy(out.data(), &stream, sizeof(stream));
    std::memcpy(out.data() + sizeof(stream), &header, sizeof(header));
    if (!payload.empty())
        std::memcpy(out.data() + sizeof(stream) + sizeof(header), payload.data(), payload.size());
    return out;
}

TEST(SnapshotStream, OversizedLengthIsRefusedBeforeReading) {
    auto file = stream_of(one_record({static_cast<uint32_t>(Tag::Host), 0, kMaxRecordLength + 1, 0}, {}));
    auto result = read_stream(file->fd(), nullptr);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message,
              fmt::format("snapshot record 1 (Host): length {} exceeds the maximum {}", kMaxRecordLength + 1,
                          kMaxRecordLength));
    file = stream_of(one_record({static_cast<uint32_t>(Tag::Host), 0, UINT64_MAX, 0}, {}));
    EXPECT_FALSE(read_stream(file->fd(), nullptr).ok());
}

TEST(SnapshotStream, UnknownTagsAndFlagsAreRefused) {
    auto file = stream_of(one_record({77, 0, 0, checksum({})}, {}));
    auto result = read_stream(file->fd(), nullptr);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "snapshot record 1: unknown tag");
    file = stream_of(one_record({static_cast<uint32_t>(Tag::Host), kFlagLivePages, 0, checksum({})}, {}));
    result = read_stream(file->fd(), nullptr);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "snapshot record 1 (Host): unknown flags");
}

// A Memory record's payload with these indices and zero pages.
std::vector<uint8_t> memory_payload(std::vector<uint64_t> indices, uint32_t count_field) {
    std::vector<uint8_t> out(sizeof(MemoryRecordHeader) + indices.size() * 8 + indices.size() * SF_PAGE_SIZE);
    MemoryRecordHeader batch{count_field, 0};
    std::memcpy(out.data(), &batch, sizeof(batch));
    std::memcpy(out.data() + sizeof(batch), indices.data(), indices.size() * 8);
    return out;
}

Result<uint32_t> read_one_memory_record(const std::vector<uint8_t>& payload, GuestMemory& memory) {
    auto file = stream_of(
        one_record({static_cast<uint32_t>(Tag::Memory), 0, payload.size(), checksum(payload)}, payload));
    Reader reader(file->fd());
    SF_TRY(reader.header());
    SF_TRY_ASSIGN(Record record, reader.next(&memory));
    return record.pages;
}

TEST(SnapshotStream, PagesOutsideTheGuestRangeAreRefused) {
    GuestMemory memory = make_memory();
    const uint64_t last = kMem / SF_PAGE_SIZE;
    auto result = read_one_memory_record(memory_payload({last}, 1), memory);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message,
              fmt::format("snapshot record 1 (Memory): page {} is outside the guest's pages [256, {})", last,
                          last));
    // The monitor range (page tables) and the boot info are never taken from a stream.
    for (uint64_t page : {0ull, 1ull, 3ull, 255ull})
        EXPECT_FALSE(read_one_memory_record(memory_payload({page}, 1), memory).ok()) << page;
    EXPECT_FALSE(read_one_memory_record(memory_payload({UINT64_MAX}, 1), memory).ok());
    EXPECT_TRUE(read_one_memory_record(memory_payload({256, last - 1}, 2), memory).ok());
}

TEST(SnapshotStream, MalformedMemoryRecordsAreRefused) {
    GuestMemory memory = make_memory();
    EXPECT_FALSE(read_one_memory_record(memory_payload({300, 300}, 2), memory).ok()); // duplicate
    EXPECT_FALSE(read_one_memory_record(memory_payload({301, 300}, 2), memory).ok()); // descending
    EXPECT_FALSE(read_one_memory_record(memory_payload({300}, 2), memory).ok());      // count vs length
    EXPECT_FALSE(read_one_memory_record(memory_payload({}, 0), memory).ok());         // empty
    std::vector<uint8_t> huge = memory_payload({300}, kMaxPagesPerRecord + 1);
    auto result = read_one_memory_record(huge, memory);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("1025 pages"), std::string::npos) << result.error().message;
}

TEST(SnapshotStream, LivePagesAreCheckedOnTheirIndicesOnly) {
    GuestMemory source = make_memory();
    fill_page(source, 400, 9);
    TempFile file;
    Writer writer(file.fd());
    const uint64_t pages[] = {400};
    ASSERT_TRUE(writer.pages(source, pages, PageCheck::Live).ok());
    std::vector<uint8_t> bytes = file.bytes();
    RecordHeader header{};
    std::memcpy(&header, bytes.data(), sizeof(header));
    EXPECT_EQ(header.flags, kFlagLivePages);
    bytes[24 + 16 + 5] ^= 0xff; // a page byte changed while it was written: accepted
    GuestMemory target = make_memory();
    {
        auto changed = stream_of(bytes);
        Reader reader(changed->fd());
        auto record = reader.next(&target);
        ASSERT_TRUE(record.ok()) << record.error().message;
        EXPECT_EQ(record->flags, kFlagLivePages);
    }
    bytes[24 + 8] ^= 1; // but the index is covered
    auto bad = stream_of(bytes);
    Reader reader(bad->fd());
    EXPECT_FALSE(reader.next(&target).ok());
}

TEST(SnapshotStream, WriterRefusesBadIndices) {
    GuestMemory memory = make_memory();
    TempFile file;
    Writer writer(file.fd());
    const uint64_t outside[] = {kMem / SF_PAGE_SIZE};
    EXPECT_FALSE(writer.pages(memory, outside).ok());
    const uint64_t unordered[] = {300, 299};
    EXPECT_FALSE(writer.pages(memory, unordered).ok());
    EXPECT_EQ(writer.bytes_written(), 0u);
    EXPECT_TRUE(writer.pages(memory, {}).ok()); // nothing to write: no record
    EXPECT_EQ(writer.records_written(), 0u);
}

TEST(SnapshotStream, ReaderGivesUpOnASilentPeer) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    Reader reader(fds[0], IoDeadline{std::chrono::milliseconds(50), std::nullopt});
    const auto start = std::chrono::steady_clock::now();
    auto header = reader.header();
    ASSERT_FALSE(header.ok());
    EXPECT_EQ(header.error().message, "snapshot read: nothing for 50 ms (is the peer gone?)");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST(SnapshotStream, WriterGivesUpOnAStuckPeerAndADeadline) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    GuestMemory memory = make_memory();
    std::vector<uint64_t> pages;
    for (uint64_t p = kFirstPage; p < kFirstPage + 64; ++p)
        pages.push_back(p); // 256 KiB > a pipe's 64 KiB
    {
        Writer writer(fds[1], IoDeadline{std::chrono::milliseconds(50), std::nullopt});
        auto result = writer.pages(memory, pages);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().message, "snapshot write: no progress for 50 ms (is the peer gone?)");
        EXPECT_FALSE(writer.record(Tag::End, std::span<const uint8_t>()).ok()); // broken now
    }
    {
        Writer writer(fds[1], IoDeadline{std::chrono::milliseconds(5000),
                                         IoDeadline::Clock::now() + std::chrono::milliseconds(30)});
        const auto start = std::chrono::steady_clock::now();
        auto result = writer.pages(memory, pages);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().message, "snapshot write: deadline passed");
        EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    }
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST(SnapshotStream, WriterReportsAClosedPeer) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ::close(fds[0]);
    std::signal(SIGPIPE, SIG_IGN);
    Writer writer(fds[1]);
    auto result = writer.header();
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("Broken pipe"), std::string::npos) << result.error().message;
    ::close(fds[1]);
}

} // namespace
