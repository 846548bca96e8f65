// End-to-end: the guest cannot reach what is not its own. Each guest here is
// a few hand-assembled instructions in an image built by the test: code at
// 0x100000 (R+X), data at 0x101000 (R+W). A forbidden access must end the
// guest as Faulted at that instruction; if it were allowed the guest would
// spin (jmp .) into the timeout instead.
#include "e2e.h"
#include "elf_builder.h"
#include "superfluid/abi.h"

#include <fmt/format.h>

using Kind = sf::vmm::ForegroundResult::Kind;
using Bytes = std::vector<uint8_t>;

namespace {

constexpr uint64_t kCode = 0x100000;
constexpr uint64_t kData = 0x101000;

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

Bytes mov_eax(uint32_t value) {
    return {0xb8, uint8_t(value), uint8_t(value >> 8), uint8_t(value >> 16), uint8_t(value >> 24)};
}
const Bytes kStoreZeroAtRax = {0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x00}; // movq $0, (%rax)
const Bytes kLoadRbxFromRax = {0x48, 0x8b, 0x18};                         // mov (%rax), %rbx
const Bytes kJumpToRax = {0xff, 0xe0};                                    // jmp *%rax
const Bytes kSpin = {0xeb, 0xfe};                                         // jmp .
// Exit hypercall with the sf_hc_exit struct at kData: mov $kData,%eax; mov $port,%dx; out %eax,%dx
Bytes exit_hypercall() {
    return cat({mov_eax(kData), {0x66, 0xba, 0x04, 0x05}, {0xef}});
}

sf::vmm::Image build(const Bytes& code, const Bytes& data) {
    sf::test::ElfBuilder elf(kCode);
    elf.add_load(kCode, code, code.size(), PF_R | PF_X);
    elf.add_load(kData, data, 0x1000, PF_R | PF_W);
    auto image = sf::vmm::Image::parse(elf.build(), "handmade");
    EXPECT_TRUE(image.ok()) << image.error().message;
    return std::move(image).value();
}

sf::test::GuestRun run(const Bytes& code, const Bytes& data = Bytes(8, 0)) {
    return sf::test::run_image(build(code, data), {}, std::chrono::seconds(2));
}

void expect_fault_at(const sf::test::GuestRun& r, uint64_t rip) {
    EXPECT_EQ(r.result.kind, Kind::Faulted) << "the access was allowed";
    EXPECT_NE(r.result.reason.find(fmt::format("rip={:#x}", rip)), std::string::npos) << r.result.reason;
}

} // namespace

TEST(Isolation, HandmadeGuestExitsWithItsStatus) {
    SF_REQUIRE_BACKEND();
    auto r = run(cat({exit_hypercall(), kSpin}), Bytes{42, 0, 0, 0, 0, 0, 0, 0});
    EXPECT_EQ(r.result.kind, Kind::Exited) << r.result.reason;
    EXPECT_EQ(r.result.status, 42);
}

TEST(Isolation, GuestCanReadItsBootInfo) {
    SF_REQUIRE_BACKEND();
    auto r = run(cat({mov_eax(SF_BOOT_INFO_GPA), kLoadRbxFromRax, exit_hypercall(), kSpin}));
    EXPECT_EQ(r.result.kind, Kind::Exited) << r.result.reason;
}

TEST(Isolation, BootInfoIsReadOnly) {
    SF_REQUIRE_BACKEND();
    expect_fault_at(run(cat({mov_eax(SF_BOOT_INFO_GPA), kStoreZeroAtRax, kSpin})), kCode + 5);
}

TEST(Isolation, PageTablesCanBeNeitherReadNorWritten) {
    SF_REQUIRE_BACKEND();
    expect_fault_at(run(cat({mov_eax(0x3000), kStoreZeroAtRax, kSpin})), kCode + 5);
    expect_fault_at(run(cat({mov_eax(0x3000), kLoadRbxFromRax, kSpin})), kCode + 5);
}

TEST(Isolation, DescriptorTablesAreNotReadable) {
    SF_REQUIRE_BACKEND();
    expect_fault_at(run(cat({mov_eax(0x2000), kLoadRbxFromRax, kSpin})), kCode + 5);
}

TEST(Isolation, CodeIsNotWritable) {
    SF_REQUIRE_BACKEND();
    expect_fault_at(run(cat({mov_eax(kCode), kStoreZeroAtRax, kSpin})), kCode + 5);
}

TEST(Isolation, DataIsNotExecutable) {
    SF_REQUIRE_BACKEND();
    auto r = run(cat({mov_eax(kData), kJumpToRax}), kSpin);
    EXPECT_EQ(r.result.kind, Kind::Faulted) << "executed from a data page";
    EXPECT_NE(r.result.reason.find(fmt::format("rip={:#x}", kData)), std::string::npos) << r.result.reason;
}

TEST(Isolation, MemoryEndsAtItsSize) {
    SF_REQUIRE_BACKEND();
    const uint32_t end = static_cast<uint32_t>(sf::vmm::GuestConfig::kDefaultMemSize);
    expect_fault_at(run(cat({mov_eax(end), kLoadRbxFromRax, kSpin})), kCode + 5);
}

TEST(Isolation, PortsOtherThanHypercallsEndTheGuest) {
    SF_REQUIRE_BACKEND();
    // mov $0x3f8,%dx; out %al,%dx (a serial port)
    auto r = run(cat({{0x66, 0xba, 0xf8, 0x03}, {0xee}, kSpin}));
    EXPECT_EQ(r.result.kind, Kind::Faulted);
}

TEST(Isolation, PrivilegedInstructionsEndTheGuest) {
    SF_REQUIRE_BACKEND();
    expect_fault_at(run(cat({{0xf4}, kSpin})), kCode);             // hlt
    expect_fault_at(run(cat({{0x0f, 0x20, 0xd8}, kSpin})), kCode); // mov %cr3, %rax
}

TEST(Isolation, StackOverflowHitsTheGuardPage) {
    SF_REQUIRE_BACKEND();
    const uint64_t guard = SF_STACK_GUARD_GPA(sf::vmm::GuestConfig::kDefaultMemSize);
    expect_fault_at(run(cat({mov_eax(static_cast<uint32_t>(guard + 8)), kLoadRbxFromRax, kSpin})), kCode + 5);
    // The lowest stack page and the highest heap page are mapped.
    const uint64_t mapped[] = {guard + SF_PAGE_SIZE, guard - 8};
    for (uint64_t ok : mapped) {
        auto r = run(cat({mov_eax(static_cast<uint32_t>(ok)), kStoreZeroAtRax, exit_hypercall(), kSpin}));
        EXPECT_EQ(r.result.kind, Kind::Exited) << std::hex << ok << " " << r.result.reason;
    }
}

// A guest makes no system call of its own: under KVM `syscall` and `int 0x80`
// fault (no kernel, no IDT: a triple fault, wherever the CPU then was); in a
// sandbox process the seccomp filter refuses them at the instruction.
void expect_refused_call(const sf::test::GuestRun& r, uint64_t rip) {
    if (sf::test::backend_kind() == sf::vmm::BackendKind::Process) return expect_fault_at(r, rip);
    EXPECT_EQ(r.result.kind, Kind::Faulted) << "the system call was allowed: " << r.result.reason;
}

TEST(Isolation, SystemCallsEndTheGuest) {
    SF_REQUIRE_BACKEND();
    const Bytes kSyscall = {0x0f, 0x05}, kInt80 = {0xcd, 0x80};
    const Bytes kEdi3 = {0xbf, 0x03, 0x00, 0x00, 0x00}; // mov $3, %edi: the sandbox's own channel
    auto getpid = run(cat({mov_eax(39), kSyscall, kSpin}));
    expect_refused_call(getpid, kCode + 5);
    expect_refused_call(run(cat({mov_eax(20), kInt80, kSpin})), kCode + 5);
    expect_refused_call(run(cat({mov_eax(0), kEdi3, kSyscall, kSpin})), kCode + 10); // read(3, ...)
    expect_refused_call(run(cat({mov_eax(1), kEdi3, kSyscall, kSpin})), kCode + 10); // write(3, ...)
    expect_refused_call(run(cat({mov_eax(231), kSyscall, kSpin})), kCode + 5);       // exit_group
    if (sf::test::backend_kind() == sf::vmm::BackendKind::Process) {
        EXPECT_NE(getpid.result.reason.find("system call 39 (syscall), which a guest may not make"),
                  std::string::npos)
            << getpid.result.reason;
    }
}

// Nothing above the guest's memory is reachable: the host's (or the sandbox's
// own) mappings live there. mov $ADDR, %rax; mov (%rax), %rbx.
TEST(Isolation, AddressesAboveGuestMemoryFault) {
    SF_REQUIRE_BACKEND();
    for (uint64_t addr : {0x100000000ull, 0x555555554000ull, 0x7ffff7ff0000ull, 0x7ffffffde000ull}) {
        Bytes mov_rax = {0x48, 0xb8};
        for (int i = 0; i < 8; ++i)
            mov_rax.push_back(static_cast<uint8_t>(addr >> (8 * i)));
        expect_fault_at(run(cat({mov_rax, kLoadRbxFromRax, kSpin})), kCode + 10);
    }
}

// A guest that faults ends alone: another guest started beside it runs on to
// its own end.
TEST(Isolation, AFaultEndsOnlyThatGuest) {
    SF_REQUIRE_BACKEND();
    sf::test::CapturingConsole console;
    sf::vmm::GuestConfig config;
    auto neighbour = sf::vmm::Guest::create(
        sf::test::backend_or_null(), build(cat({exit_hypercall(), kSpin}), Bytes{7, 0, 0, 0, 0, 0, 0, 0}),
        config, console);
    ASSERT_TRUE(neighbour.ok()) << neighbour.error().message;
    expect_fault_at(run(cat({mov_eax(0), kLoadRbxFromRax, kSpin})), kCode + 5); // reads page 0
    auto r = sf::vmm::run_foreground(**neighbour, std::chrono::seconds(2));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->kind, Kind::Exited) << r->reason;
    EXPECT_EQ(r->status, 7);
}

// Registers and SSE state survive hypercalls (the sandbox hands them to the
// monitor and back): the guest sets xmm0 and rbx, makes a console hypercall
// (a write of 0 bytes), then exits with status = rbx only if xmm0 is intact.
TEST(Isolation, RegistersAndSseSurviveHypercalls) {
    SF_REQUIRE_BACKEND();
    // data: +0 sf_hc_exit (status), +16 sf_hc_console_write of "hi" at +64
    const Bytes set_rbx = {0xbb, 0x2a, 0x00, 0x00, 0x00};                                  // mov $42, %ebx
    const Bytes set_xmm0 = {0x66, 0x48, 0x0f, 0x6e, 0xc3};                                 // movq %rbx, %xmm0
    const Bytes console_hc = cat({mov_eax(kData + 16), {0x66, 0xba, 0x01, 0x05}, {0xef}}); // out to console
    const Bytes clobber_rbx = {0x31, 0xdb};                                                // xor %ebx, %ebx
    const Bytes xmm0_to_rbx = {0x66, 0x48, 0x0f, 0x7e, 0xc3};                              // movq %xmm0, %rbx
    const Bytes store_status = cat({mov_eax(kData), {0x89, 0x18}});                        // mov %ebx, (%rax)
    Bytes data(80, 0);
    const uint64_t text = kData + 64, len = 2;
    for (int i = 0; i < 8; ++i)
        data[16 + i] = static_cast<uint8_t>(text >> (8 * i)),
                  data[24 + i] = static_cast<uint8_t>(len >> (8 * i));
    data[64] = 'h', data[65] = 'i';
    auto r = run(
        cat({set_rbx, set_xmm0, console_hc, clobber_rbx, xmm0_to_rbx, store_status, exit_hypercall(), kSpin}),
        data);
    EXPECT_EQ(r.result.kind, Kind::Exited) << r.result.reason;
    EXPECT_EQ(r.result.status, 42);
    EXPECT_EQ(r.console, "hi");
}
