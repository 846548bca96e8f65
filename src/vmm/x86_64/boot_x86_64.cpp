// superfluid monitor, x86-64: page tables, descriptor tables and vCPU start state.
#include "vmm/x86_64/boot_x86_64.h"

#include "superfluid/abi.h"
#include "vmm/x86_64/vcpu_record_x86_64.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace sf::vmm::x86_64 {
namespace {

// Monitor-private layout (see abi.h for the guest's view).
constexpr uint64_t kGdtGpa = 0x2000;
constexpr uint64_t kTssGpa = 0x2080;
constexpr uint64_t kTablesGpa = 0x3000;            // page tables grow up from here ...
constexpr uint64_t kTablesEnd = SF_GUEST_BASE_GPA; // ... to the guest's first byte

constexpr uint16_t kUserDataSelector = 0x18 | 3;
constexpr uint16_t kUserCodeSelector = 0x20 | 3;
constexpr uint16_t kTssSelector = 0x28;
// The TSS carries an I/O permission bitmap that opens only the hypercall
// ports (0 bit = allowed), covering ports [0, kIoBitmapPorts); ports above it
// lie past the TSS limit and are refused. Guests also run with IOPL 3; the
// bitmap is what a CPL 3 `out` is checked against where IOPL is not honoured.
constexpr uint32_t kTssHeaderSize = 104;
constexpr uint32_t kIoBitmapPorts = 0x800;
constexpr uint32_t kIoBitmapBytes = kIoBitmapPorts / 8 + 1; // + the all-ones terminator byte
constexpr uint32_t kTssLimit = kTssHeaderSize + kIoBitmapBytes - 1;
static_assert(SF_HYPERCALL_PORT_BASE + SF_HC_COUNT + 3 <= kIoBitmapPorts);
static_assert(kTssHeaderSize + kIoBitmapBytes <= 0x1000 - 0x80);

// Page table entry bits.
constexpr uint64_t kPresent = 1ull << 0;
constexpr uint64_t kWritable = 1ull << 1;
constexpr uint64_t kUser = 1ull << 2;
constexpr uint64_t kAccessed = 1ull << 5;
constexpr uint64_t kDirty = 1ull << 6;
constexpr uint64_t kLarge = 1ull << 7;
constexpr uint64_t kNoExec = 1ull << 63;
constexpr uint64_t kTableLink = kPresent | kWritable | kUser | kAccessed;

constexpr uint64_t k2M = 2ull << 20;
constexpr uint64_t k1G = 1ull << 30;
constexpr uint64_t kEntries = 512;

// Control register and EFER bits.
constexpr uint64_t kCr0Pe = 1ull << 0, kCr0Mp = 1ull << 1, kCr0Et = 1ull << 4, kCr0Ne = 1ull << 5,
                   kCr0Wp = 1ull << 16, kCr0Pg = 1ull << 31;
constexpr uint64_t kCr4Pae = 1ull << 5, kCr4Osfxsr = 1ull << 9, kCr4Osxmmexcpt = 1ull << 10;
constexpr uint64_t kEferLme = 1ull << 8, kEferLma = 1ull << 10, kEferNxe = 1ull << 11;

uint64_t round_up(uint64_t value, uint64_t align) {
    return (value + align - 1) / align * align;
}

// Hands out zeroed page-table pages from the monitor range.
class TableAllocator {
  public:
    explicit TableAllocator(std::span<uint8_t> memory) : memory_(memory) {}
    Result<uint64_t> allocate() {
        if (next_ + SF_PAGE_SIZE > kTablesEnd)
            return error("page tables do not fit below 1 MiB: the image is too large to map");
        uint64_t gpa = next_;
        next_ += SF_PAGE_SIZE;
        return gpa;
    }
    uint64_t* table(uint64_t gpa) const { return reinterpret_cast<uint64_t*>(memory_.data() + gpa); }

  private:
    std::span<uint8_t> memory_;
    uint64_t next_ = kTablesGpa;
};

uint64_t perms_to_leaf(uint32_t perms) {
    uint64_t leaf = kPresent | kUser | kAccessed;
    if (perms & kPermWrite) leaf |= kWritable | kDirty;
    if (!(perms & kPermExec)) leaf |= kNoExec;
    return leaf;
}

// The leaf entry for the 4 KiB page at `gpa` outside the image.
uint64_t plain_leaf(uint64_t gpa, uint64_t mem_size) {
    if (gpa < SF_BOOT_INFO_GPA || gpa == SF_STACK_GUARD_GPA(mem_size)) return 0; // null and stack guards
    if (gpa < SF_BOOT_INFO_GPA + SF_PAGE_SIZE) return gpa | kPresent | kUser | kAccessed | kNoExec;
    if (gpa < SF_GUEST_BASE_GPA) return gpa | kPresent | kWritable | kAccessed | kDirty | kNoExec;
    return gpa | kPresent | kWritable | kUser | kAccessed | kDirty | kNoExec;
}

// Fills the page table for the 2 MiB region at `base` with 4 KiB entries.
void fill_small_pages(uint64_t* pt, uint64_t base, uint64_t mem_size, const Image& image) {
    std::array<uint32_t, kEntries> image_perms{};
    for (const Segment& seg : image.segments()) {
        uint64_t first = std::max(seg.gpa, base), last = std::min(seg.gpa + seg.mem_size, base + k2M);
        for (uint64_t page = first / SF_PAGE_SIZE * SF_PAGE_SIZE; page < last; page += SF_PAGE_SIZE)
            image_perms[(page - base) / SF_PAGE_SIZE] |= seg.perms;
    }
    for (uint64_t i = 0; i < kEntries; ++i) {
        uint64_t gpa = base + i * SF_PAGE_SIZE;
        if (gpa >= mem_size) break;
        pt[i] = image_perms[i] ? (gpa | perms_to_leaf(image_perms[i])) : plain_leaf(gpa, mem_size);
    }
}

Result<void> build_page_tables(std::span<uint8_t> memory, uint64_t mem_size, const Image& image) {
    TableAllocator tables(memory);
    const uint64_t small_end = round_up(std::max<uint64_t>(image.end(), SF_GUEST_BASE_GPA), k2M);
    SF_TRY_ASSIGN(uint64_t pml4, tables.allocate());
    SF_TRY_ASSIGN(uint64_t pdpt, tables.allocate());
    tables.table(pml4)[0] = pdpt | kTableLink;
    for (uint64_t gig = 0; gig * k1G < mem_size; ++gig) {
        SF_TRY_ASSIGN(uint64_t pd, tables.allocate());
        tables.table(pdpt)[gig] = pd | kTableLink;
        for (uint64_t i = 0; i < kEntries; ++i) {
            uint64_t base = gig * k1G + i * k2M;
            if (base >= mem_size) break;
            const uint64_t guard = SF_STACK_GUARD_GPA(mem_size);
            if (base < small_end || base + k2M > mem_size || (guard >= base && guard < base + k2M)) {
                SF_TRY_ASSIGN(uint64_t pt, tables.allocate());
                fill_small_pages(tables.table(pt), base, mem_size, image);
                tables.table(pd)[i] = pt | kTableLink;
            } else {
                tables.table(pd)[i] =
                    base | kPresent | kWritable | kUser | kAccessed | kDirty | kLarge | kNoExec;
            }
        }
    }
    return ok();
}

uint64_t tss_descriptor_low(uint64_t base) {
    return (kTssLimit & 0xffff) | ((base & 0xffffff) << 16) | (0xbull << 40) | (1ull << 47) |
           ((base >> 24 & 0xff) << 56);
}

void write_descriptor_tables(std::span<uint8_t> memory) {
    const std::array<uint64_t, 7> gdt = {
        0,
        0x00af9b000000ffff, // 0x08 kernel code (unused; for completeness)
        0x00cf93000000ffff, // 0x10 kernel data (unused)
        0x00cff3000000ffff, // 0x18 user data, DPL 3
        0x00affb000000ffff, // 0x20 user code, 64-bit, DPL 3
        tss_descriptor_low(kTssGpa),
        kTssGpa >> 32,
    };
    std::memcpy(memory.data() + kGdtGpa, gdt.data(), sizeof(gdt));
    // TSS: all zero but the I/O map base and the bitmap right after the header.
    uint8_t* tss = memory.data() + kTssGpa;
    uint16_t iomap_base = kTssHeaderSize;
    std::memcpy(tss + 102, &iomap_base, sizeof(iomap_base));
    uint8_t* bitmap = tss + kTssHeaderSize;
    std::memset(bitmap, 0xff, kIoBitmapBytes);
    // A 32-bit `out` to port p is checked against the bits of p .. p+3.
    for (uint32_t port = SF_HYPERCALL_PORT_BASE; port < SF_HYPERCALL_PORT_BASE + SF_HC_COUNT + 3; ++port)
        bitmap[port / 8] &= static_cast<uint8_t>(~(1u << (port % 8)));
}

kvm_segment user_segment(uint16_t selector, bool code) {
    kvm_segment seg{};
    seg.base = 0;
    seg.limit = 0xffffffff;
    seg.selector = selector;
    seg.type = code ? 0xb : 0x3; // execute/read accessed : read/write accessed
    seg.present = 1;
    seg.dpl = 3;
    seg.db = code ? 0 : 1;
    seg.s = 1;
    seg.l = code ? 1 : 0;
    seg.g = 1;
    return seg;
}

void set_long_mode(kvm_sregs& sregs) {
    sregs.cs = user_segment(kUserCodeSelector, true);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = user_segment(kUserDataSelector, false);
    sregs.tr = kvm_segment{};
    sregs.tr.base = kTssGpa;
    sregs.tr.limit = kTssLimit;
    sregs.tr.selector = kTssSelector;
    sregs.tr.type = 0xb; // busy 64-bit TSS
    sregs.tr.present = 1;
    sregs.gdt.base = kGdtGpa;
    sregs.gdt.limit = 7 * 8 - 1;
    sregs.idt.base = 0;
    sregs.idt.limit = 0; // no handlers: any exception ends the guest (triple fault)
    sregs.cr0 = kCr0Pe | kCr0Mp | kCr0Et | kCr0Ne | kCr0Wp | kCr0Pg;
    sregs.cr3 = kTablesGpa; // the PML4 is the first table allocated
    sregs.cr4 = kCr4Pae | kCr4Osfxsr | kCr4Osxmmexcpt;
    sregs.efer = kEferLme | kEferLma | kEferNxe;
}

} // namespace

std::vector<MemoryRegion> guest_layout(uint64_t mem_size, const Image& image) {
    std::vector<MemoryRegion> out;
    auto add = [&](uint64_t gpa, uint64_t len, uint32_t perms) {
        if (len == 0) return;
        if (!out.empty() && out.back().perms == perms && out.back().gpa + out.back().len == gpa)
            out.back().len += len;
        else
            out.push_back({gpa, len, perms});
    };
    add(0, SF_BOOT_INFO_GPA, 0);
    add(SF_BOOT_INFO_GPA, SF_PAGE_SIZE, kPermRead);
    add(SF_BOOT_INFO_GPA + SF_PAGE_SIZE, SF_GUEST_BASE_GPA - SF_BOOT_INFO_GPA - SF_PAGE_SIZE, 0);
    const uint64_t image_end = std::max<uint64_t>(image.end(), SF_GUEST_BASE_GPA);
    std::vector<uint32_t> perms((image_end - SF_GUEST_BASE_GPA) / SF_PAGE_SIZE, 0);
    for (const Segment& seg : image.segments())
        for (uint64_t page = seg.gpa / SF_PAGE_SIZE * SF_PAGE_SIZE; page < seg.gpa + seg.mem_size;
             page += SF_PAGE_SIZE)
            perms[(page - SF_GUEST_BASE_GPA) / SF_PAGE_SIZE] |= seg.perms;
    for (size_t i = 0; i < perms.size(); ++i)
        add(SF_GUEST_BASE_GPA + i * SF_PAGE_SIZE, SF_PAGE_SIZE,
            perms[i] != 0 ? perms[i] : kPermRead | kPermWrite);
    const uint64_t guard = SF_STACK_GUARD_GPA(mem_size);
    add(image_end, guard - image_end, kPermRead | kPermWrite);
    add(guard, SF_PAGE_SIZE, 0);
    add(guard + SF_PAGE_SIZE, mem_size - guard - SF_PAGE_SIZE, kPermRead | kPermWrite);
    return out;
}

kvm_sregs cpl3_sregs(const kvm_sregs& base) {
    kvm_sregs sregs = base;
    set_long_mode(sregs);
    return sregs;
}

Result<void> build_address_space(std::span<uint8_t> memory, uint64_t mem_size, const Image& image) {
    if (memory.size() < SF_GUEST_BASE_GPA) return error("internal: monitor range not backed");
    write_descriptor_tables(memory);
    return build_page_tables(memory, mem_size, image);
}

Result<void> setup_vcpu(Vcpu& vcpu, uint64_t entry, uint64_t stack_top, uint64_t boot_info_gpa) {
    SF_TRY_ASSIGN(kvm_sregs sregs, vcpu.sregs());
    set_long_mode(sregs);
    SF_TRY(vcpu.set_sregs(sregs));
    kvm_regs regs{};
    regs.rip = entry;
    regs.rsp = stack_top;
    regs.rdi = boot_info_gpa;
    regs.rflags = kRflagsFixed | kRflagsIopl3;
    return vcpu.set_regs(regs);
}

} // namespace sf::vmm::x86_64
