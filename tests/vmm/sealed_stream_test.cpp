// Unit tests (no KVM): the sealed snapshot stream of a migration connection
// (vmm/snapshot/stream_cipher.h): records and pages round-trip through sealed
// frames with nothing in clear; every flipped bit, even in a pre-copy page
// that the clear stream's checksum does not cover, and every dropped,
// replayed, reordered or reflected frame fails to open; frames are bounded
// and never span two records.
#include "superfluid/abi.h"
#include "vmm/guest_memory.h"
#include "vmm/snapshot/reader.h"
#include "vmm/snapshot/stream_cipher.h"
#include "vmm/snapshot/writer.h"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace sf;
using namespace sf::vmm;
using namespace sf::vmm::snapshot;

constexpr uint64_t kMem = 4ull << 20;
constexpr uint64_t kFirstPage = SF_GUEST_BASE_GPA / SF_PAGE_SIZE;
constexpr std::chrono::milliseconds kWait{200};

CipherKey key_of(uint8_t seed) {
    CipherKey key;
    for (size_t i = 0; i < key.key.size(); ++i)
        key.key[i] = static_cast<uint8_t>(seed + i);
    for (size_t i = 0; i < key.iv.size(); ++i)
        key.iv[i] = static_cast<uint8_t>(seed * 3 + i);
    return key;
}

// One direction's two ends.
struct Direction {
    StreamCipher seal = StreamCipher::sealing(key_of(1)).value();
    StreamCipher open = StreamCipher::opening(key_of(1)).value();
};

class Memfd {
  public:
    Memfd() : fd_(::memfd_create("sealed-unit", MFD_CLOEXEC)) {}
    ~Memfd() { ::close(fd_); }
    int fd() const { return fd_; }
    std::vector<uint8_t> bytes() const {
        std::vector<uint8_t> out(static_cast<size_t>(::lseek(fd_, 0, SEEK_END)));
        EXPECT_EQ(::pread(fd_, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
        return out;
    }
    static std::unique_ptr<Memfd> holding(std::span<const uint8_t> bytes) {
        auto file = std::make_unique<Memfd>();
        EXPECT_EQ(::write(file->fd(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
        ::lseek(file->fd(), 0, SEEK_SET);
        return file;
    }

  private:
    int fd_;
};

GuestMemory memory_with_pages(std::span<const uint64_t> pages) {
    GuestMemory memory = std::move(GuestMemory::create(kMem).value());
    for (uint64_t page : pages)
        for (uint64_t i = 0; i < SF_PAGE_SIZE; ++i)
            memory.host_base()[page * SF_PAGE_SIZE + i] = static_cast<uint8_t>(page * 13 + i * 7);
    return memory;
}

const std::string kSecretJson = R"({"name":"kv","cmdline":"password=hunter2"})";

// Header, a JSON record, 300 live pages (several frames), End: sealed.
std::vector<uint8_t> sealed_stream(StreamCipher& seal, const GuestMemory& memory,
                                   std::span<const uint64_t> pages) {
    Memfd file;
    Writer writer(file.fd(), {}, &seal);
    EXPECT_TRUE(writer.header().ok());
    EXPECT_TRUE(writer.record(Tag::Host, kSecretJson).ok());
    EXPECT_TRUE(writer.pages(memory, pages, PageCheck::Live).ok());
    EXPECT_TRUE(writer.record(Tag::End, std::string_view("{}")).ok());
    return file.bytes();
}

// Reads the whole stream through `open`; the first error or the count of records.
Result<size_t> read_sealed(std::span<const uint8_t> bytes, StreamCipher& open, GuestMemory* memory) {
    auto file = Memfd::holding(bytes);
    Reader reader(file->fd(), IoDeadline{kWait, std::nullopt}, &open);
    SF_TRY(reader.header());
    for (size_t n = 1;; ++n) {
        SF_TRY_ASSIGN(Record record, reader.next(memory));
        if (record.tag == Tag::End) return n;
    }
}

std::vector<uint64_t> some_pages(size_t count) {
    std::vector<uint64_t> pages;
    for (size_t i = 0; i < count; ++i)
        pages.push_back(kFirstPage + 2 * i);
    return pages;
}

TEST(SealedStream, RoundTripsWithNothingInClear) {
    const auto pages = some_pages(300);
    const GuestMemory source = memory_with_pages(pages);
    Direction d;
    const std::vector<uint8_t> wire = sealed_stream(d.seal, source, pages);
    const std::string text(wire.begin(), wire.end());
    EXPECT_EQ(text.find("hunter2"), std::string::npos);
    EXPECT_EQ(text.find("SFSNAP"), std::string::npos);
    const std::string page(reinterpret_cast<const char*>(source.host_base() + pages[5] * SF_PAGE_SIZE), 64);
    EXPECT_EQ(text.find(page), std::string::npos);
    GuestMemory target = std::move(GuestMemory::create(kMem).value());
    auto read = read_sealed(wire, d.open, &target);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(*read, 3u);
    for (uint64_t p : pages)
        ASSERT_EQ(0, std::memcmp(source.host_base() + p * SF_PAGE_SIZE, target.host_base() + p * SF_PAGE_SIZE,
                                 SF_PAGE_SIZE));
    EXPECT_EQ(d.seal.sequence(), d.open.sequence());
    EXPECT_GT(d.seal.sequence(), 300u * SF_PAGE_SIZE / StreamCipher::kMaxFramePlain) << "several frames";
}

// The clear stream cannot see a flipped bit in a pre-copy page (its checksum
// covers the indices only); sealed, a flipped bit anywhere fails the stream.
TEST(SealedStream, AFlippedBitAnywhereIsRefused) {
    const auto pages = some_pages(40);
    const GuestMemory source = memory_with_pages(pages);
    Direction clean;
    const std::vector<uint8_t> wire = sealed_stream(clean.seal, source, pages);
    size_t refused = 0, tried = 0;
    for (size_t at = 0; at < wire.size(); at += wire.size() / 97 + 1) {
        std::vector<uint8_t> flipped = wire;
        flipped[at] ^= 0x10;
        Direction d;
        GuestMemory target = std::move(GuestMemory::create(kMem).value());
        ++tried;
        if (!read_sealed(flipped, d.open, &target)) ++refused;
    }
    EXPECT_EQ(refused, tried);
    // The message says what happened.
    std::vector<uint8_t> flipped = wire;
    flipped[wire.size() / 2] ^= 1;
    Direction d;
    auto read = read_sealed(flipped, d.open, nullptr);
    ASSERT_FALSE(read);
    EXPECT_NE(read.error().message.find("authentication failed"), std::string::npos) << read.error().message;
}

// Splits a sealed byte stream into its frames.
std::vector<std::vector<uint8_t>> frames_of(const std::vector<uint8_t>& wire) {
    std::vector<std::vector<uint8_t>> frames;
    for (size_t at = 0; at < wire.size();) {
        SealedFrameHeader h{};
        std::memcpy(&h, wire.data() + at, sizeof h);
        const size_t size = sizeof h + h.length + StreamCipher::kTagBytes;
        frames.emplace_back(wire.begin() + static_cast<ptrdiff_t>(at),
                            wire.begin() + static_cast<ptrdiff_t>(at + size));
        at += size;
    }
    return frames;
}

std::vector<uint8_t> join(const std::vector<std::vector<uint8_t>>& frames) {
    std::vector<uint8_t> out;
    for (const auto& f : frames)
        out.insert(out.end(), f.begin(), f.end());
    return out;
}

TEST(SealedStream, DroppedReplayedReorderedAndReflectedFramesAreRefused) {
    const auto pages = some_pages(4);
    const GuestMemory source = memory_with_pages(pages);
    Direction clean;
    const auto frames = frames_of(sealed_stream(clean.seal, source, pages));
    ASSERT_EQ(frames.size(), 4u); // header, Host, one Memory record, End: one frame each
    auto refused = [&](const std::vector<std::vector<uint8_t>>& altered, CipherKey key) {
        StreamCipher open = StreamCipher::opening(key).value();
        return !read_sealed(join(altered), open, nullptr);
    };
    EXPECT_FALSE(refused(frames, key_of(1))) << "the stream as sent";
    EXPECT_TRUE(refused({frames[0], frames[2], frames[3]}, key_of(1))) << "dropped";
    EXPECT_TRUE(refused({frames[0], frames[1], frames[1], frames[2], frames[3]}, key_of(1))) << "replayed";
    EXPECT_TRUE(refused({frames[0], frames[2], frames[1], frames[3]}, key_of(1))) << "reordered";
    EXPECT_TRUE(refused(frames, key_of(2))) << "another direction's (or connection's) key";
    // A frame of this connection replayed into a new one (same keys, counts from 0 again) opens only at its
    // place.
    StreamCipher open = StreamCipher::opening(key_of(1)).value();
    std::vector<uint8_t> second = frames[1];
    EXPECT_FALSE(open.open(static_cast<uint32_t>(second.size() - StreamCipher::kOverhead),
                           std::span(second).subspan(sizeof(SealedFrameHeader))));
}

// A Reader that stops after a record has read nothing of the next: sfd and a
// worker take turns on one connection, each with its own Reader.
TEST(SealedStream, ReadersTakeTurnsRecordByRecord) {
    Direction d;
    Memfd file;
    {
        Writer writer(file.fd(), {}, &d.seal);
        ASSERT_TRUE(writer.record(Tag::Reply, std::string_view(R"({"ok":true})")));
        ASSERT_TRUE(writer.record(Tag::Commit, std::string(100000, 'x')));
        ASSERT_TRUE(writer.record(Tag::Reply, std::string_view(R"({"ok":true,"n":2})")));
    }
    ::lseek(file.fd(), 0, SEEK_SET);
    for (const char* expected : {R"({"ok":true})", "", R"({"ok":true,"n":2})"}) {
        Reader reader(file.fd(), IoDeadline{kWait, std::nullopt}, &d.open);
        auto record = reader.next();
        ASSERT_TRUE(record) << record.error().message;
        if (*expected)
            EXPECT_EQ(std::string(record->payload.begin(), record->payload.end()), expected);
        else
            EXPECT_EQ(record->payload.size(), 100000u);
    }
    char more;
    EXPECT_EQ(::read(file.fd(), &more, 1), 0) << "every byte read, none left over";
}

TEST(SealedStream, AFrameClaimingTooMuchIsRefusedBeforeItIsRead) {
    std::vector<uint8_t> wire(sizeof(SealedFrameHeader));
    const SealedFrameHeader h{static_cast<uint32_t>(StreamCipher::kMaxFramePlain + 1)};
    std::memcpy(wire.data(), &h, sizeof h);
    Direction d;
    auto read = read_sealed(wire, d.open, nullptr);
    ASSERT_FALSE(read);
    EXPECT_NE(read.error().message.find("a frame of"), std::string::npos) << read.error().message;
}

TEST(SealedStream, CountsNeverGoBack) {
    StreamCipher seal = StreamCipher::sealing(key_of(1), 10).value();
    EXPECT_FALSE(seal.advance_to(9));
    EXPECT_TRUE(seal.advance_to(12));
    EXPECT_EQ(seal.sequence(), 12u);
}

} // namespace
