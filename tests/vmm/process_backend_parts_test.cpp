// Unit tests of the process backend's parts that need no sandbox: the trap
// decoder (vmm/process/io_decoder_x86_64.h) and the guest layout the sandbox
// maps (x86_64::guest_layout, the permissions of KVM's page tables).
#include "elf_builder.h"
#include "superfluid/abi.h"
#include "vmm/backend.h"
#include "vmm/elf_loader.h"
#include "vmm/process/io_decoder_x86_64.h"
#include "vmm/x86_64/boot_x86_64.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

using sf::vmm::x86_64::decode_io;
using Bytes = std::vector<uint8_t>;

TEST(IoDecoder, OutDxEaxIsAFourByteOutOfTheValueInEax) {
    const Bytes code = {0xef, 0x90};
    auto io = decode_io(code, 0x1234'0000'5678ull, 0x503, 0);
    ASSERT_TRUE(io);
    EXPECT_EQ(io->length, 1);
    EXPECT_TRUE(io->access.out);
    EXPECT_EQ(io->access.port, 0x503);
    EXPECT_EQ(io->access.size, 4);
    EXPECT_EQ(io->access.count, 1u);
    EXPECT_EQ(io->access.value, 0x5678u); // the low 32 bits of rax
}

TEST(IoDecoder, ImmediatePortsOperandSizesAndPrefixes) {
    auto imm = decode_io(Bytes{0xe7, 0x42}, 7, 0xffff, 0);
    ASSERT_TRUE(imm);
    EXPECT_EQ(imm->access.port, 0x42);
    EXPECT_EQ(imm->length, 2);
    auto word = decode_io(Bytes{0x66, 0xef}, 0x12345678, 0x3f8, 0);
    ASSERT_TRUE(word);
    EXPECT_EQ(word->access.size, 2);
    EXPECT_EQ(word->access.value, 0x5678u);
    EXPECT_EQ(word->length, 2);
    auto byte_in = decode_io(Bytes{0x2e, 0x48, 0xec}, 0, 0x60, 0);
    ASSERT_TRUE(byte_in);
    EXPECT_FALSE(byte_in->access.out);
    EXPECT_EQ(byte_in->access.size, 1);
    EXPECT_EQ(byte_in->access.value, 0u);
    EXPECT_EQ(byte_in->length, 3);
    auto rep_outs = decode_io(Bytes{0xf3, 0x6f}, 0, 0x503, 9);
    ASSERT_TRUE(rep_outs);
    EXPECT_EQ(rep_outs->access.count, 9u); // string I/O is never a hypercall
}

TEST(IoDecoder, AnythingElseOrTooShortIsNotIo) {
    EXPECT_FALSE(decode_io(Bytes{}, 0, 0, 0));
    EXPECT_FALSE(decode_io(Bytes{0xf4}, 0, 0, 0));             // hlt
    EXPECT_FALSE(decode_io(Bytes{0x0f, 0x20, 0xd8}, 0, 0, 0)); // mov %cr3, %rax
    EXPECT_FALSE(decode_io(Bytes{0xe7}, 0, 0, 0));             // the immediate is missing
    EXPECT_FALSE(decode_io(Bytes(15, 0x66), 0, 0, 0));         // prefixes only
    EXPECT_FALSE(decode_io(Bytes{0x66, 0x66}, 0, 0, 0));
}

sf::vmm::Image image_with_text_and_data() {
    sf::test::ElfBuilder elf(0x100000);
    elf.add_load(0x100000, Bytes(100, 0x90), 100, PF_R | PF_X);
    elf.add_load(0x102000, Bytes(8, 1), 0x2000, PF_R | PF_W);
    auto image = sf::vmm::Image::parse(elf.build(), "layout");
    EXPECT_TRUE(image.ok()) << image.error().message;
    return std::move(image).value();
}

uint32_t perms_at(const std::vector<sf::vmm::MemoryRegion>& layout, uint64_t gpa) {
    for (const auto& r : layout)
        if (gpa >= r.gpa && gpa < r.gpa + r.len) return r.perms;
    ADD_FAILURE() << "no region holds " << std::hex << gpa;
    return 99;
}

TEST(GuestLayout, MatchesThePageTablesPermissions) {
    constexpr uint64_t kMem = 4 << 20;
    const auto layout = sf::vmm::x86_64::guest_layout(kMem, image_with_text_and_data());
    ASSERT_FALSE(layout.empty());
    uint64_t next = 0;
    for (const auto& r : layout) {
        EXPECT_EQ(r.gpa, next) << "ranges cover memory in order, without gaps";
        EXPECT_NE(r.perms & (sf::vmm::kPermWrite | sf::vmm::kPermExec),
                  sf::vmm::kPermWrite | sf::vmm::kPermExec)
            << "W^X at " << std::hex << r.gpa;
        next = r.gpa + r.len;
    }
    EXPECT_EQ(next, kMem);
    using sf::vmm::kPermExec, sf::vmm::kPermRead, sf::vmm::kPermWrite;
    EXPECT_EQ(perms_at(layout, 0), 0u);                                      // page 0
    EXPECT_EQ(perms_at(layout, SF_BOOT_INFO_GPA), uint32_t(kPermRead));      // boot info
    EXPECT_EQ(perms_at(layout, 0x3000), 0u);                                 // page tables
    EXPECT_EQ(perms_at(layout, 0x100000), uint32_t(kPermRead | kPermExec));  // text
    EXPECT_EQ(perms_at(layout, 0x101000), uint32_t(kPermRead | kPermWrite)); // a hole between segments
    EXPECT_EQ(perms_at(layout, 0x103000), uint32_t(kPermRead | kPermWrite)); // data
    EXPECT_EQ(perms_at(layout, SF_STACK_GUARD_GPA(kMem)), 0u);               // stack guard
    EXPECT_EQ(perms_at(layout, kMem - 8), uint32_t(kPermRead | kPermWrite)); // stack
}

TEST(BackendChoice, NamesRoundTrip) {
    for (auto choice :
         {sf::vmm::BackendChoice::Auto, sf::vmm::BackendChoice::Kvm, sf::vmm::BackendChoice::Process})
        EXPECT_EQ(sf::vmm::parse_backend_choice(sf::vmm::backend_choice_name(choice)), choice);
    EXPECT_FALSE(sf::vmm::parse_backend_choice("xen"));
}

} // namespace
