// superfluid tests: the ELF64 image loader (src/vmm/elf_loader.h).
//
// Images are built in memory with ElfBuilder. Every malformed case asserts
// that parse() fails with one labelled line containing a distinctive phrase.
#include "vmm/elf_loader.h"

#include "elf_builder.h"
#include "superfluid/abi.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace sf::vmm {
namespace {

using sf::test::ElfBuilder;

constexpr uint64_t kText = 0x100000;
constexpr uint64_t kData = 0x101000;
const std::vector<uint8_t> kCode = {0x90, 0x90, 0xf4, 0xeb, 0xfd}; // nop nop hlt jmp
const std::vector<uint8_t> kInit = {1, 2, 3, 4, 5, 6, 7, 8};

// text (R X, 5 bytes) at 1 MiB; data (RW, 8 bytes + bss up to 0x2000) a page above.
ElfBuilder good_builder() {
    ElfBuilder b(kText);
    b.add_load(kText, kCode, kCode.size(), PF_R | PF_X);
    b.add_load(kData, kInit, 0x2000, PF_R | PF_W);
    return b;
}

Result<Image> parse(const std::vector<uint8_t>& bytes) {
    return Image::parse(bytes, "img");
}

// Parse fails with one line, "img: ...", that contains `needle`.
testing::AssertionResult FailsWith(const std::vector<uint8_t>& bytes, std::string_view needle) {
    Result<Image> r = parse(bytes);
    if (r.ok()) return testing::AssertionFailure() << "parse succeeded, expected an error with: " << needle;
    const std::string& msg = r.error().message;
    if (msg.rfind("img: ", 0) != 0) return testing::AssertionFailure() << "no label prefix: " << msg;
    if (msg.find('\n') != std::string::npos) return testing::AssertionFailure() << "not one line: " << msg;
    if (msg.find(needle) == std::string::npos)
        return testing::AssertionFailure() << "error \"" << msg << "\" lacks \"" << needle << "\"";
    return testing::AssertionSuccess();
}

// --- good images ---

TEST(ElfLoader, ParsesGoodImage) {
    Result<Image> r = parse(good_builder().build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    const Image& img = r.value();
    EXPECT_EQ(img.entry(), kText);
    EXPECT_EQ(img.label(), "img");
    EXPECT_EQ(img.end(), kData + 0x2000);
    ASSERT_EQ(img.segments().size(), 2u);
    const Segment& text = img.segments()[0];
    EXPECT_EQ(text.gpa, kText);
    EXPECT_EQ(text.mem_size, kCode.size());
    EXPECT_EQ(text.file_size, kCode.size());
    EXPECT_EQ(text.file_offset, 0x1000u);
    EXPECT_EQ(text.perms, uint32_t{kPermRead | kPermExec});
    const Segment& data = img.segments()[1];
    EXPECT_EQ(data.gpa, kData);
    EXPECT_EQ(data.mem_size, 0x2000u);
    EXPECT_EQ(data.file_size, kInit.size());
    EXPECT_EQ(data.perms, uint32_t{kPermRead | kPermWrite});
}

TEST(ElfLoader, EndIsRoundedUpToAPage) {
    ElfBuilder b(kText);
    b.add_load(kText, kCode, 0x1001, PF_R | PF_X);
    Result<Image> r = parse(b.build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->end(), kText + 0x2000);
}

TEST(ElfLoader, SegmentsAreSortedByAddress) {
    ElfBuilder b(kText);
    b.add_load(0x300000, kInit, 0x10, PF_R | PF_W);
    b.add_load(0x200000, kInit, 0x10, PF_R);
    b.add_load(kText, kCode, kCode.size(), PF_R | PF_X);
    Result<Image> r = parse(b.build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->segments().size(), 3u);
    EXPECT_EQ(r->segments()[0].gpa, kText);
    EXPECT_EQ(r->segments()[1].gpa, 0x200000u);
    EXPECT_EQ(r->segments()[2].gpa, 0x300000u);
    EXPECT_EQ(r->end(), 0x301000u);
}

TEST(ElfLoader, LoadIntoCopiesFileBytesAndLeavesBssZero) {
    Result<Image> r = parse(good_builder().build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    std::vector<uint8_t> mem(4 << 20, 0);
    r->load_into(mem);
    EXPECT_TRUE(std::equal(kCode.begin(), kCode.end(), mem.begin() + kText));
    EXPECT_TRUE(std::equal(kInit.begin(), kInit.end(), mem.begin() + kData));
    auto bss_begin = mem.begin() + static_cast<std::ptrdiff_t>(kData + kInit.size());
    EXPECT_TRUE(std::all_of(bss_begin, mem.begin() + kData + 0x2000, [](uint8_t v) { return v == 0; }));
    EXPECT_EQ(mem[kText - 1], 0);
    EXPECT_EQ(mem[kText + kCode.size()], 0);
}

TEST(ElfLoader, LoadIntoDoesNotTouchTheBssTail) {
    Result<Image> r = parse(good_builder().build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    std::vector<uint8_t> mem(4 << 20, 0xaa); // sentinel: memory the loader must leave alone
    r->load_into(mem);
    EXPECT_TRUE(std::equal(kInit.begin(), kInit.end(), mem.begin() + kData));
    auto bss_begin = mem.begin() + static_cast<std::ptrdiff_t>(kData + kInit.size());
    EXPECT_TRUE(std::all_of(bss_begin, mem.begin() + kData + 0x2000, [](uint8_t v) { return v == 0xaa; }));
}

TEST(ElfLoader, CopiesOfAnImageLoadTheSameBytes) {
    Result<Image> r = parse(good_builder().build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    Image copy = r.value();
    std::vector<uint8_t> mem(4 << 20, 0);
    copy.load_into(mem);
    EXPECT_TRUE(std::equal(kCode.begin(), kCode.end(), mem.begin() + kText));
}

TEST(ElfLoader, SkipsEmptyLoadSegments) {
    ElfBuilder b = good_builder();
    b.add_load(0, {}, 0, PF_R); // empty, and below 1 MiB: ignored
    Result<Image> r = parse(b.build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->segments().size(), 2u);
}

TEST(ElfLoader, AllowsSegmentsSharingAPage) {
    ElfBuilder b(kText);
    b.add_load(kText, kCode, 0x80, PF_R | PF_X);
    b.add_load(kText + 0x80, kInit, 0x80, PF_R | PF_W); // starts where the first ends
    Result<Image> r = parse(b.build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->segments().size(), 2u);
    EXPECT_EQ(r->end(), kText + 0x1000);
}

TEST(ElfLoader, IgnoresOtherProgramHeaders) {
    ElfBuilder b = good_builder();
    b.add_phdr(PT_NOTE);
    b.add_phdr(PT_GNU_STACK);
    b.add_phdr(PT_TLS);
    EXPECT_TRUE(parse(b.build()).ok());
}

TEST(ElfLoader, AcceptsExactlyMaxSegments) {
    ElfBuilder b(kText);
    for (size_t i = 0; i < Image::kMaxSegments; ++i)
        b.add_load(kText + i * 0x1000, kCode, kCode.size(), PF_R | PF_X);
    Result<Image> r = parse(b.build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->segments().size(), Image::kMaxSegments);
}

TEST(ElfLoader, AlignZeroOrOneAllowsAnyOffset) {
    for (uint64_t align : {0u, 1u}) {
        ElfBuilder b = good_builder();
        b.phdrs[1].p_align = align;
        b.phdrs[1].p_offset -= 1; // no longer congruent modulo the page
        EXPECT_TRUE(parse(b.build()).ok()) << "p_align " << align;
    }
}

// --- file header ---

TEST(ElfLoader, RejectsEmptyFile) {
    EXPECT_TRUE(FailsWith({}, "truncated file: 0 bytes"));
}

TEST(ElfLoader, RejectsTruncatedHeader) {
    std::vector<uint8_t> bytes = good_builder().build();
    bytes.resize(63);
    EXPECT_TRUE(FailsWith(bytes, "truncated file: 63 bytes, an ELF64 header needs 64"));
}

TEST(ElfLoader, RejectsBadMagic) {
    std::vector<uint8_t> bytes = good_builder().build();
    bytes[1] = 'X';
    EXPECT_TRUE(FailsWith(bytes, "not an ELF file (bad magic)"));
    EXPECT_TRUE(FailsWith({'#', '!', '/'}, "not an ELF file (bad magic)"));
}

TEST(ElfLoader, Rejects32BitClass) {
    ElfBuilder b = good_builder();
    b.ehdr.e_ident[EI_CLASS] = ELFCLASS32;
    EXPECT_TRUE(FailsWith(b.build(), "wrong class: 32-bit ELF, need ELF64"));
    b.ehdr.e_ident[EI_CLASS] = 7;
    EXPECT_TRUE(FailsWith(b.build(), "wrong class: invalid EI_CLASS 7"));
}

TEST(ElfLoader, RejectsBigEndian) {
    ElfBuilder b = good_builder();
    b.ehdr.e_ident[EI_DATA] = ELFDATA2MSB;
    EXPECT_TRUE(FailsWith(b.build(), "big-endian ELF, need little-endian"));
    b.ehdr.e_ident[EI_DATA] = 0;
    EXPECT_TRUE(FailsWith(b.build(), "invalid EI_DATA 0"));
}

TEST(ElfLoader, RejectsBadVersion) {
    ElfBuilder b = good_builder();
    b.ehdr.e_ident[EI_VERSION] = 2;
    EXPECT_TRUE(FailsWith(b.build(), "bad ELF version 2 in e_ident"));
    b = good_builder();
    b.ehdr.e_version = 0;
    EXPECT_TRUE(FailsWith(b.build(), "bad e_version 0"));
}

TEST(ElfLoader, RejectsWrongMachine) {
    ElfBuilder b = good_builder();
    b.ehdr.e_machine = EM_AARCH64;
    EXPECT_TRUE(FailsWith(b.build(), "wrong machine: 183 (AArch64), need x86-64"));
    b.ehdr.e_machine = 4242;
    EXPECT_TRUE(FailsWith(b.build(), "wrong machine: 4242, need x86-64"));
}

TEST(ElfLoader, RejectsPositionIndependentExecutable) {
    ElfBuilder b = good_builder();
    b.ehdr.e_type = ET_DYN;
    EXPECT_TRUE(FailsWith(b.build(), "position-independent"));
    EXPECT_TRUE(FailsWith(b.build(), "static non-PIE"));
}

TEST(ElfLoader, RejectsOtherTypes) {
    ElfBuilder b = good_builder();
    b.ehdr.e_type = ET_REL;
    EXPECT_TRUE(FailsWith(b.build(), "relocatable object (ET_REL)"));
    b.ehdr.e_type = ET_CORE;
    EXPECT_TRUE(FailsWith(b.build(), "core dump"));
    b.ehdr.e_type = 0x1234;
    EXPECT_TRUE(FailsWith(b.build(), "unsupported ELF type 4660"));
}

// --- program header table ---

TEST(ElfLoader, RejectsBadPhentsize) {
    ElfBuilder b = good_builder();
    b.ehdr.e_phentsize = 32;
    EXPECT_TRUE(FailsWith(b.build(), "bad e_phentsize 32, need 56"));
}

TEST(ElfLoader, RejectsProgramHeaderTableBeyondFile) {
    ElfBuilder b = good_builder();
    std::vector<uint8_t> size_probe = b.build();
    b.ehdr.e_phoff = size_probe.size() - 10;
    EXPECT_TRUE(FailsWith(b.build(), "truncated file: program header table"));
    b.ehdr.e_phoff = ~0ull - 8; // offset + size would wrap
    EXPECT_TRUE(FailsWith(b.build(), "truncated file: program header table"));
    b = good_builder();
    b.ehdr.e_phnum = 200; // 200 * 56 bytes: more than the file holds
    EXPECT_TRUE(FailsWith(b.build(), "truncated file: program header table (200 entries"));
}

TEST(ElfLoader, RejectsExtendedProgramHeaderNumbering) {
    ElfBuilder b = good_builder();
    b.ehdr.e_phnum = PN_XNUM;
    EXPECT_TRUE(FailsWith(b.build(), "PN_XNUM"));
}

TEST(ElfLoader, RejectsTooManyLoadSegments) {
    ElfBuilder b(kText);
    for (size_t i = 0; i <= Image::kMaxSegments; ++i)
        b.add_load(kText + i * 0x1000, kCode, kCode.size(), PF_R | PF_X);
    EXPECT_TRUE(FailsWith(b.build(), "too many PT_LOAD segments: 17, at most 16"));
}

TEST(ElfLoader, RejectsInterpreter) {
    ElfBuilder b = good_builder();
    b.add_phdr(PT_INTERP);
    EXPECT_TRUE(FailsWith(b.build(), "dynamically linked (program header 2 is PT_INTERP)"));
}

TEST(ElfLoader, RejectsNoLoadSegments) {
    ElfBuilder b(kText);
    EXPECT_TRUE(FailsWith(b.build(), "no loadable segments")); // e_phnum 0
    b.add_phdr(PT_NOTE);
    EXPECT_TRUE(FailsWith(b.build(), "no loadable segments (no PT_LOAD"));
    b.add_load(kText, {}, 0, PF_R | PF_X);
    EXPECT_TRUE(FailsWith(b.build(), "every PT_LOAD has p_memsz 0"));
}

// --- one PT_LOAD segment ---

TEST(ElfLoader, RejectsFileszAboveMemsz) {
    ElfBuilder b = good_builder();
    b.phdrs[1].p_memsz = 4;
    EXPECT_TRUE(FailsWith(b.build(), "segment 1: p_filesz 0x8 is larger than p_memsz 0x4"));
}

TEST(ElfLoader, RejectsSegmentBytesBeyondFile) {
    ElfBuilder b = good_builder();
    b.phdrs[1].p_filesz = 0x1000; // memsz is 0x2000, the file ends 8 bytes in
    EXPECT_TRUE(FailsWith(b.build(), "truncated file: segment 1"));
    b = good_builder();
    b.phdrs[0].p_offset = 0x100000;
    EXPECT_TRUE(FailsWith(b.build(), "truncated file: segment 0"));
    b = good_builder();
    b.phdrs[0].p_offset = ~0ull - 2; // offset + filesz wraps
    EXPECT_TRUE(FailsWith(b.build(), "truncated file: segment 0"));
    std::vector<uint8_t> cut = good_builder().build();
    cut.resize(cut.size() - 1); // the data segment's last byte is missing
    EXPECT_TRUE(FailsWith(cut, "truncated file: segment 1"));
}

TEST(ElfLoader, RejectsHugeMemsz) {
    ElfBuilder b = good_builder();
    b.phdrs[1].p_memsz = SF_MEM_MAX; // ends past 4 GiB
    EXPECT_TRUE(FailsWith(b.build(), "segment 1: huge p_memsz 0x100000000 at 0x101000"));
    b.phdrs[1].p_memsz = ~0ull; // vaddr + memsz wraps
    EXPECT_TRUE(FailsWith(b.build(), "huge p_memsz"));
    b = good_builder();
    b.phdrs[1].p_vaddr = b.phdrs[1].p_paddr = SF_MEM_MAX + kData; // congruent, above 4 GiB
    EXPECT_TRUE(FailsWith(b.build(), "huge p_memsz"));
}

TEST(ElfLoader, AcceptsSegmentEndingAtMemMax) {
    ElfBuilder b = good_builder();
    b.phdrs[1].p_memsz = SF_MEM_MAX - kData;
    Result<Image> r = parse(b.build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->end(), SF_MEM_MAX);
}

TEST(ElfLoader, RejectsSegmentBelowOneMiB) {
    ElfBuilder b(0xff000);
    b.add_load(0xff000, kCode, kCode.size(), PF_R | PF_X);
    EXPECT_TRUE(FailsWith(b.build(),
                          "segment 0 at 0xff000 below 1 MiB: guest images are linked at or above 0x100000"));
}

TEST(ElfLoader, RejectsAlignNotPowerOfTwo) {
    ElfBuilder b = good_builder();
    b.phdrs[1].p_align = 0x3000;
    EXPECT_TRUE(FailsWith(b.build(), "segment 1: p_align 0x3000 is not a power of two"));
}

TEST(ElfLoader, RejectsOffsetNotCongruentToAddress) {
    ElfBuilder b = good_builder();
    b.phdrs[1].p_offset -= 8;
    EXPECT_TRUE(
        FailsWith(b.build(), "segment 1: p_vaddr 0x101000 and p_offset 0x1ff8 differ modulo p_align"));
}

// --- the segment set and the entry point ---

TEST(ElfLoader, RejectsOverlappingSegments) {
    ElfBuilder b(kText);
    b.add_load(kText, kCode, 0x1000, PF_R | PF_X);
    b.add_load(kText + 0x800, kInit, 0x100, PF_R | PF_W);
    EXPECT_TRUE(FailsWith(b.build(), "segments 0 and 1 overlap at 0x100800"));
}

TEST(ElfLoader, RejectsSegmentsAtTheSameAddress) {
    ElfBuilder b(kText);
    b.add_load(0x200000, kInit, 0x10, PF_R | PF_W);
    b.add_load(kText, kCode, kCode.size(), PF_R | PF_X);
    b.add_load(0x200000, kInit, 0x10, PF_R);
    EXPECT_TRUE(FailsWith(b.build(), "segments 0 and 2 overlap at 0x200000"));
}

TEST(ElfLoader, RejectsEntryOutsideSegments) {
    ElfBuilder b = good_builder();
    b.ehdr.e_entry = 0x500000;
    EXPECT_TRUE(FailsWith(b.build(), "entry 0x500000 is not inside an executable segment"));
    b.ehdr.e_entry = kText + kCode.size(); // one past the end of text
    EXPECT_TRUE(FailsWith(b.build(), "entry 0x100005 is not inside an executable segment"));
}

TEST(ElfLoader, RejectsEntryInNonExecutableSegment) {
    ElfBuilder b = good_builder();
    b.ehdr.e_entry = kData + 4;
    EXPECT_TRUE(FailsWith(b.build(), "entry 0x101004 is not inside an executable segment"));
}

TEST(ElfLoader, EveryTruncationOfAGoodImageFails) {
    std::vector<uint8_t> bytes = good_builder().build();
    for (size_t n = 0; n < bytes.size(); ++n) {
        std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_FALSE(parse(prefix).ok()) << "prefix of " << n << " bytes parsed";
    }
}

// --- fits ---

TEST(ElfLoader, FitsWhenMemoryIsLargeEnough) {
    Result<Image> r = parse(good_builder().build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->fits(4 << 20, 64 << 10).ok());
    EXPECT_TRUE(r->fits(r->end() + (64 << 10), 64 << 10).ok()); // exactly enough
}

TEST(ElfLoader, DoesNotFitInTooLittleMemory) {
    Result<Image> r = parse(good_builder().build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    Result<void> f = r->fits(r->end() + (64 << 10) - 1, 64 << 10);
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().message, "img needs 1036 KiB of memory up to 0x103000, guest memory is 1099 KiB "
                                 "(with 64 KiB of stack); use a larger --mem");
}

TEST(ElfLoader, DoesNotFitWhenStackExceedsMemory) {
    Result<Image> r = parse(good_builder().build());
    ASSERT_TRUE(r.ok()) << r.error().message;
    Result<void> f = r->fits(1 << 20, 2 << 20); // stack_reserve > mem_size: no underflow
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.error().message.find("use a larger --mem"), std::string::npos) << f.error().message;
}

// --- load_file ---

class ElfLoaderFile : public testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "sf-elf-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
        std::string path = (dir_ / name).string();
        FILE* f = std::fopen(path.c_str(), "wb");
        EXPECT_NE(f, nullptr);
        if (f == nullptr) return path;
        EXPECT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
        std::fclose(f);
        return path;
    }

    std::filesystem::path dir_;
};

TEST_F(ElfLoaderFile, LoadsAGoodFile) {
    std::string path = write("good", good_builder().build());
    Result<Image> r = Image::load_file(path);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->label(), path);
    EXPECT_EQ(r->entry(), kText);
    EXPECT_EQ(r->segments().size(), 2u);
}

TEST_F(ElfLoaderFile, ParseErrorsNameThePath) {
    std::string path = write("bad", {'h', 'e', 'l', 'l', 'o'});
    Result<Image> r = Image::load_file(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, path + ": not an ELF file (bad magic)");
}

TEST_F(ElfLoaderFile, RejectsMissingPath) {
    std::string path = (dir_ / "missing").string();
    Result<Image> r = Image::load_file(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, path + ": cannot open: No such file or directory");
}

TEST_F(ElfLoaderFile, RejectsDirectory) {
    Result<Image> r = Image::load_file(dir_.string());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, dir_.string() + ": is a directory, not a regular file");
}

TEST_F(ElfLoaderFile, RejectsFifoWithoutBlocking) {
    std::string path = (dir_ / "fifo").string();
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    Result<Image> r = Image::load_file(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, path + ": not a regular file");
}

TEST_F(ElfLoaderFile, RejectsFileLargerThanTheLimit) {
    std::string path = write("big", good_builder().build());
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(Image::kMaxFileSize + 1)), 0); // sparse
    Result<Image> r = Image::load_file(path);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("larger than the 64 MiB limit"), std::string::npos) << r.error().message;
}

} // namespace
} // namespace sf::vmm
