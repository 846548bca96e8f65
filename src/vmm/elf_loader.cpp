// superfluid monitor: ELF64 image loader (see elf_loader.h).
//
// parse() validates, in order: the identification bytes, the file header,
// the program header table, every PT_LOAD segment, the segment set (no
// overlaps) and the entry point. Every offset and size read from the file is
// untrusted: a range [offset, offset + size) is checked by subtraction
// (range_within), never by an addition that could wrap, and headers are read
// with memcpy so that no unaligned or out-of-bounds access can happen.
#include "vmm/elf_loader.h"

#include "superfluid/abi.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace sf::vmm {
namespace {

// A kept PT_LOAD segment and the index of its program header (for messages).
struct IndexedSegment {
    Segment seg;
    size_t index;
};

// The outcome of validation, before it is wrapped into an Image.
struct Layout {
    uint64_t entry = 0;
    uint64_t end = 0;
    std::vector<Segment> segments;
};

// True if [offset, offset + size) lies inside a buffer of `total` bytes.
bool range_within(uint64_t offset, uint64_t size, uint64_t total) {
    return offset <= total && size <= total - offset;
}

bool is_power_of_two(uint64_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}

uint64_t round_up(uint64_t v, uint64_t align) {
    return (v + align - 1) / align * align;
}

// Reads a T at `offset`. The caller has checked the range.
template <typename T> T read_struct(std::span<const uint8_t> bytes, uint64_t offset) {
    T out{};
    std::memcpy(&out, bytes.data() + offset, sizeof(T));
    return out;
}

Elf64_Phdr phdr_at(std::span<const uint8_t> bytes, const Elf64_Ehdr& ehdr, size_t index) {
    return read_struct<Elf64_Phdr>(bytes, ehdr.e_phoff + index * sizeof(Elf64_Phdr));
}

// --- identification and file header ---

Result<void> check_magic_and_size(std::span<const uint8_t> bytes) {
    size_t prefix = std::min<size_t>(bytes.size(), SELFMAG);
    if (prefix > 0 && std::memcmp(bytes.data(), ELFMAG, prefix) != 0)
        return error("not an ELF file (bad magic)");
    if (bytes.size() < sizeof(Elf64_Ehdr))
        return error("truncated file: {} bytes, an ELF64 header needs {}", bytes.size(), sizeof(Elf64_Ehdr));
    return ok();
}

Result<void> check_ident(const unsigned char* ident) {
    if (ident[EI_CLASS] == ELFCLASS32) return error("wrong class: 32-bit ELF, need ELF64");
    if (ident[EI_CLASS] != ELFCLASS64)
        return error("wrong class: invalid EI_CLASS {}, need ELF64", ident[EI_CLASS]);
    if (ident[EI_DATA] == ELFDATA2MSB) return error("wrong byte order: big-endian ELF, need little-endian");
    if (ident[EI_DATA] != ELFDATA2LSB)
        return error("wrong byte order: invalid EI_DATA {}, need little-endian", ident[EI_DATA]);
    if (ident[EI_VERSION] != EV_CURRENT)
        return error("bad ELF version {} in e_ident, need {} (EV_CURRENT)", ident[EI_VERSION], EV_CURRENT);
    return ok();
}

// Names of machines a guest image is likely to be built for by mistake.
const char* machine_name(uint16_t machine) {
    struct Name {
        uint16_t id;
        const char* name;
    };
    static constexpr Name kNames[] = {{EM_NONE, "none"},       {EM_386, "i386"},     {EM_ARM, "ARM"},
                                      {EM_AARCH64, "AArch64"}, {EM_RISCV, "RISC-V"}, {EM_PPC64, "PowerPC64"},
                                      {EM_S390, "s390"},       {EM_MIPS, "MIPS"}};
    for (const Name& n : kNames)
        if (n.id == machine) return n.name;
    return nullptr;
}

Result<void> check_machine(uint16_t machine) {
    if (machine == EM_X86_64) return ok();
    if (const char* name = machine_name(machine))
        return error("wrong machine: {} ({}), need x86-64 ({})", machine, name, EM_X86_64);
    return error("wrong machine: {}, need x86-64 ({})", machine, EM_X86_64);
}

Result<void> check_type(uint16_t type) {
    switch (type) {
    case ET_EXEC: return ok();
    case ET_DYN:
        return error("position-independent or dynamic executable (ET_DYN): link the guest static non-PIE "
                     "(-static -no-pie)");
    case ET_REL: return error("relocatable object (ET_REL), not an executable: link it first");
    case ET_CORE: return error("core dump (ET_CORE), not an executable");
    default: return error("unsupported ELF type {}, need ET_EXEC (a static executable)", type);
    }
}

Result<void> check_header(const Elf64_Ehdr& ehdr) {
    SF_TRY(check_ident(ehdr.e_ident));
    if (ehdr.e_version != EV_CURRENT)
        return error("bad e_version {}, need {} (EV_CURRENT)", ehdr.e_version, EV_CURRENT);
    SF_TRY(check_machine(ehdr.e_machine));
    return check_type(ehdr.e_type);
}

// --- program header table ---

Result<void> check_phdr_table(const Elf64_Ehdr& ehdr, uint64_t file_size) {
    if (ehdr.e_phnum == 0) return ok(); // reported as "no loadable segments"
    if (ehdr.e_phnum == PN_XNUM) return error("extended program header numbering (PN_XNUM) is not supported");
    if (ehdr.e_phentsize != sizeof(Elf64_Phdr))
        return error("bad e_phentsize {}, need {} (sizeof Elf64_Phdr)", ehdr.e_phentsize, sizeof(Elf64_Phdr));
    uint64_t table_size = uint64_t{ehdr.e_phnum} * sizeof(Elf64_Phdr);
    if (!range_within(ehdr.e_phoff, table_size, file_size))
        return error("truncated file: program header table ({} entries at offset {:#x}) ends beyond the file "
                     "({} bytes)",
                     ehdr.e_phnum, ehdr.e_phoff, file_size);
    return ok();
}

// Rejects dynamic linking and counts PT_LOAD headers.
Result<void> check_program_types(std::span<const uint8_t> bytes, const Elf64_Ehdr& ehdr) {
    size_t loads = 0;
    for (size_t i = 0; i < ehdr.e_phnum; ++i) {
        uint32_t type = phdr_at(bytes, ehdr, i).p_type;
        if (type == PT_INTERP)
            return error("dynamically linked (program header {} is PT_INTERP): link the guest static", i);
        if (type == PT_LOAD) ++loads;
    }
    if (loads == 0) return error("no loadable segments (no PT_LOAD program header)");
    if (loads > Image::kMaxSegments)
        return error("too many PT_LOAD segments: {}, at most {} are supported", loads, Image::kMaxSegments);
    return ok();
}

// --- one PT_LOAD segment ---

Result<void> check_segment_file_range(const Elf64_Phdr& p, size_t index, uint64_t file_size) {
    if (p.p_filesz > p.p_memsz)
        return error("segment {}: p_filesz {:#x} is larger than p_memsz {:#x}", index, p.p_filesz, p.p_memsz);
    if (!range_within(p.p_offset, p.p_filesz, file_size))
        return error("truncated file: segment {} has {:#x} bytes at offset {:#x}, the file has {} bytes",
                     index, p.p_filesz, p.p_offset, file_size);
    return ok();
}

Result<void> check_segment_placement(const Elf64_Phdr& p, size_t index) {
    if (p.p_vaddr < SF_GUEST_BASE_GPA)
        return error("segment {} at {:#x} below 1 MiB: guest images are linked at or above {:#x}", index,
                     p.p_vaddr, SF_GUEST_BASE_GPA);
    if (!range_within(p.p_vaddr, p.p_memsz, SF_MEM_MAX))
        return error("segment {}: huge p_memsz {:#x} at {:#x} ends beyond the {} GiB guest memory limit",
                     index, p.p_memsz, p.p_vaddr, SF_MEM_MAX >> 30);
    return ok();
}

Result<void> check_segment_align(const Elf64_Phdr& p, size_t index) {
    if (p.p_align <= 1) return ok();
    if (!is_power_of_two(p.p_align))
        return error("segment {}: p_align {:#x} is not a power of two", index, p.p_align);
    if (p.p_vaddr % p.p_align != p.p_offset % p.p_align)
        return error("segment {}: p_vaddr {:#x} and p_offset {:#x} differ modulo p_align {:#x}", index,
                     p.p_vaddr, p.p_offset, p.p_align);
    return ok();
}

uint32_t perms_of(uint32_t p_flags) {
    uint32_t perms = 0;
    if (p_flags & PF_R) perms |= kPermRead;
    if (p_flags & PF_W) perms |= kPermWrite;
    if (p_flags & PF_X) perms |= kPermExec;
    return perms;
}

// --- the segment set ---

// Validates every PT_LOAD and returns the non-empty ones, in file order.
Result<std::vector<IndexedSegment>> collect_segments(std::span<const uint8_t> bytes, const Elf64_Ehdr& ehdr) {
    std::vector<IndexedSegment> out;
    for (size_t i = 0; i < ehdr.e_phnum; ++i) {
        Elf64_Phdr p = phdr_at(bytes, ehdr, i);
        if (p.p_type != PT_LOAD) continue;
        SF_TRY(check_segment_file_range(p, i, bytes.size()));
        if (p.p_memsz == 0) continue;
        SF_TRY(check_segment_placement(p, i));
        SF_TRY(check_segment_align(p, i));
        out.push_back({Segment{p.p_vaddr, p.p_memsz, p.p_offset, p.p_filesz, perms_of(p.p_flags)}, i});
    }
    if (out.empty()) return error("no loadable segments (every PT_LOAD has p_memsz 0)");
    return out;
}

// Precondition: sorted by gpa. Then only neighbours can overlap.
Result<void> check_overlaps(const std::vector<IndexedSegment>& sorted) {
    for (size_t i = 1; i < sorted.size(); ++i) {
        const IndexedSegment& prev = sorted[i - 1];
        const IndexedSegment& cur = sorted[i];
        if (cur.seg.gpa - prev.seg.gpa < prev.seg.mem_size)
            return error("segments {} and {} overlap at {:#x}", std::min(prev.index, cur.index),
                         std::max(prev.index, cur.index), cur.seg.gpa);
    }
    return ok();
}

Result<void> check_entry(uint64_t entry, const std::vector<IndexedSegment>& segments) {
    for (const IndexedSegment& s : segments) {
        bool inside = entry >= s.seg.gpa && entry - s.seg.gpa < s.seg.mem_size;
        if (inside && (s.seg.perms & kPermExec)) return ok();
    }
    return error("entry {:#x} is not inside an executable segment", entry);
}

Layout make_layout(uint64_t entry, const std::vector<IndexedSegment>& sorted) {
    Layout layout;
    layout.entry = entry;
    uint64_t top = 0;
    for (const IndexedSegment& s : sorted) {
        layout.segments.push_back(s.seg);
        top = std::max(top, s.seg.gpa + s.seg.mem_size); // <= SF_MEM_MAX: checked
    }
    layout.end = round_up(top, SF_PAGE_SIZE);
    return layout;
}

Result<Layout> validate(std::span<const uint8_t> bytes) {
    SF_TRY(check_magic_and_size(bytes));
    auto ehdr = read_struct<Elf64_Ehdr>(bytes, 0);
    SF_TRY(check_header(ehdr));
    SF_TRY(check_phdr_table(ehdr, bytes.size()));
    SF_TRY(check_program_types(bytes, ehdr));
    SF_TRY_ASSIGN(std::vector<IndexedSegment> segments, collect_segments(bytes, ehdr));
    std::sort(segments.begin(), segments.end(),
              [](const IndexedSegment& a, const IndexedSegment& b) { return a.seg.gpa < b.seg.gpa; });
    SF_TRY(check_overlaps(segments));
    SF_TRY(check_entry(ehdr.e_entry, segments));
    return make_layout(ehdr.e_entry, segments);
}

// --- reading a file ---

std::string errno_text(int err) {
    return std::generic_category().message(err);
}

// Closes a file descriptor on scope exit.
class FdCloser {
  public:
    explicit FdCloser(int fd) : fd_(fd) {}
    FdCloser(const FdCloser&) = delete;
    FdCloser& operator=(const FdCloser&) = delete;
    ~FdCloser() { ::close(fd_); }

  private:
    int fd_;
};

Result<void> check_file_kind(const struct stat& st, const std::string& path) {
    if (S_ISDIR(st.st_mode)) return error("{}: is a directory, not a regular file", path);
    if (!S_ISREG(st.st_mode)) return error("{}: not a regular file", path);
    auto size = static_cast<uint64_t>(st.st_size);
    if (size > Image::kMaxFileSize)
        return error("{}: file is {} bytes, larger than the {} MiB limit for images", path, size,
                     Image::kMaxFileSize >> 20);
    return ok();
}

// Reads up to `size` bytes; stops early if the file shrinks meanwhile.
Result<std::vector<uint8_t>> read_fully(int fd, size_t size, const std::string& path) {
    std::vector<uint8_t> buf(size);
    size_t done = 0;
    while (done < size) {
        ssize_t n = ::read(fd, buf.data() + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return error("{}: cannot read: {}", path, errno_text(errno));
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    buf.resize(done);
    return buf;
}

Result<std::vector<uint8_t>> read_file(const std::string& path) {
    // O_NONBLOCK: opening a FIFO must not hang before the file kind is checked.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return error("{}: cannot open: {}", path, errno_text(errno));
    FdCloser closer(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return error("{}: cannot stat: {}", path, errno_text(errno));
    SF_TRY(check_file_kind(st, path));
    return read_fully(fd, static_cast<size_t>(st.st_size), path);
}

} // namespace

Result<Image> Image::parse(std::span<const uint8_t> bytes, const std::string& label) {
    Result<Layout> layout = validate(bytes);
    if (!layout.ok()) return error("{}: {}", label, layout.error().message);
    Image image;
    image.bytes_ = std::make_shared<const std::vector<uint8_t>>(bytes.begin(), bytes.end());
    image.segments_ = std::move(layout->segments);
    image.entry_ = layout->entry;
    image.end_ = layout->end;
    image.label_ = label;
    return image;
}

Result<Image> Image::load_file(const std::string& path) {
    SF_TRY_ASSIGN(std::vector<uint8_t> bytes, read_file(path));
    return parse(bytes, path);
}

Result<void> Image::fits(uint64_t mem_size, uint64_t stack_reserve) const {
    uint64_t usable = stack_reserve <= mem_size ? mem_size - stack_reserve : 0;
    if (end_ <= usable) return ok();
    return error(
        "{} needs {} KiB of memory up to {:#x}, guest memory is {} KiB (with {} KiB of stack); use a "
        "larger --mem",
        label_, end_ >> 10, end_, mem_size >> 10, stack_reserve >> 10);
}

void Image::load_into(std::span<uint8_t> memory) const {
    for (const Segment& s : segments_) {
        if (s.file_size == 0) continue;
        if (!range_within(s.gpa, s.file_size, memory.size())) {
            // A broken precondition (fits() not checked) must never write out of bounds.
            std::fprintf(stderr, "sf::vmm::Image::load_into: segment at %#llx outside guest memory\n",
                         static_cast<unsigned long long>(s.gpa));
            std::abort();
        }
        std::memcpy(memory.data() + s.gpa, bytes_->data() + s.file_offset, s.file_size);
    }
}

} // namespace sf::vmm
