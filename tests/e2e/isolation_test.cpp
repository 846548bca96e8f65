// End-to-end: the guest cannot reach what is not its own. Each guest here is
// a few hand-assembled instructions in an image built by the test: code at
// 0x100000 (R+X), data at 0x101000 (R+W). A forbidden access must end the
// guest as Faulted at that instruction; if it were allowed the guest would
// spin (jmp .) into the timeout instead.
#include "../unit/elf_builder.h"
#include "e2e.h"
#include "superfluid/abi.h"

#include <fmt/format.h>

using Kind = sf::vmm::ForegroundResult::Kind;
using Bytes = std::vector<uint8_t>;

namespace {

constexpr uint64_t kCode = 0x100000;
constexpr uint64_t kData = 0x101000;

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
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
Bytes exit_hypercall() { return cat({mov_eax(kData), {0x66, 0xba, 0x04, 0x05}, {0xef}}); }

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
    SF_REQUIRE_KVM();
    auto r = run(cat({exit_hypercall(), kSpin}), Bytes{42, 0, 0, 0, 0, 0, 0, 0});
    EXPECT_EQ(r.result.kind, Kind::Exited) << r.result.reason;
    EXPECT_EQ(r.result.status, 42);
}

TEST(Isolation, GuestCanReadItsBootInfo) {
    SF_REQUIRE_KVM();
    auto r = run(cat({mov_eax(SF_BOOT_INFO_GPA), kLoadRbxFromRax, exit_hypercall(), kSpin}));
    EXPECT_EQ(r.result.kind, Kind::Exited) << r.result.reason;
}

TEST(Isolation, BootInfoIsReadOnly) {
    SF_REQUIRE_KVM();
    expect_fault_at(run(cat({mov_eax(SF_BOOT_INFO_GPA), kStoreZeroAtRax, kSpin})), kCode + 5);
}

TEST(Isolation, PageTablesCanBeNeitherReadNorWritten) {
    SF_REQUIRE_KVM();
    expect_fault_at(run(cat({mov_eax(0x3000), kStoreZeroAtRax, kSpin})), kCode + 5);
    expect_fault_at(run(cat({mov_eax(0x3000), kLoadRbxFromRax, kSpin})), kCode + 5);
}

TEST(Isolation, DescriptorTablesAreNotReadable) {
    SF_REQUIRE_KVM();
    expect_fault_at(run(cat({mov_eax(0x2000), kLoadRbxFromRax, kSpin})), kCode + 5);
}

TEST(Isolation, CodeIsNotWritable) {
    SF_REQUIRE_KVM();
    expect_fault_at(run(cat({mov_eax(kCode), kStoreZeroAtRax, kSpin})), kCode + 5);
}

TEST(Isolation, DataIsNotExecutable) {
    SF_REQUIRE_KVM();
    auto r = run(cat({mov_eax(kData), kJumpToRax}), kSpin);
    EXPECT_EQ(r.result.kind, Kind::Faulted) << "executed from a data page";
    EXPECT_NE(r.result.reason.find(fmt::format("rip={:#x}", kData)), std::string::npos) << r.result.reason;
}

TEST(Isolation, MemoryEndsAtItsSize) {
    SF_REQUIRE_KVM();
    const uint32_t end = static_cast<uint32_t>(sf::vmm::GuestConfig::kDefaultMemSize);
    expect_fault_at(run(cat({mov_eax(end), kLoadRbxFromRax, kSpin})), kCode + 5);
}

TEST(Isolation, PortsOtherThanHypercallsEndTheGuest) {
    SF_REQUIRE_KVM();
    // mov $0x3f8,%dx; out %al,%dx (a serial port)
    auto r = run(cat({{0x66, 0xba, 0xf8, 0x03}, {0xee}, kSpin}));
    EXPECT_EQ(r.result.kind, Kind::Faulted);
}

TEST(Isolation, PrivilegedInstructionsEndTheGuest) {
    SF_REQUIRE_KVM();
    expect_fault_at(run(cat({{0xf4}, kSpin})), kCode);             // hlt
    expect_fault_at(run(cat({{0x0f, 0x20, 0xd8}, kSpin})), kCode); // mov %cr3, %rax
}

TEST(Isolation, StackOverflowHitsTheGuardPage) {
    SF_REQUIRE_KVM();
    const uint64_t guard = SF_STACK_GUARD_GPA(sf::vmm::GuestConfig::kDefaultMemSize);
    expect_fault_at(run(cat({mov_eax(static_cast<uint32_t>(guard + 8)), kLoadRbxFromRax, kSpin})), kCode + 5);
    // The lowest stack page and the highest heap page are mapped.
    const uint64_t mapped[] = {guard + SF_PAGE_SIZE, guard - 8};
    for (uint64_t ok : mapped) {
        auto r = run(cat({mov_eax(static_cast<uint32_t>(ok)), kStoreZeroAtRax, exit_hypercall(), kSpin}));
        EXPECT_EQ(r.result.kind, Kind::Exited) << std::hex << ok << " " << r.result.reason;
    }
}
