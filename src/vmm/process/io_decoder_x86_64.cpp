// superfluid process backend, x86-64: decoding trapped port I/O instructions.
#include "vmm/process/io_decoder_x86_64.h"

namespace sf::vmm::x86_64 {
namespace {

constexpr size_t kMaxInstruction = 15;

bool legacy_prefix(uint8_t b) {
    switch (b) {
    case 0x66:
    case 0x67:
    case 0xf0:
    case 0xf2:
    case 0xf3:
    case 0x26:
    case 0x2e:
    case 0x36:
    case 0x3e:
    case 0x64:
    case 0x65: return true;
    default: return false;
    }
}

} // namespace

std::optional<DecodedIo> decode_io(std::span<const uint8_t> code, uint64_t rax, uint64_t rdx, uint64_t rcx) {
    size_t i = 0;
    bool operand16 = false, rep = false;
    const size_t limit = code.size() < kMaxInstruction ? code.size() : kMaxInstruction;
    while (i < limit && legacy_prefix(code[i])) {
        operand16 = operand16 || code[i] == 0x66;
        rep = rep || code[i] == 0xf3 || code[i] == 0xf2;
        ++i;
    }
    if (i < limit && (code[i] & 0xf0) == 0x40) ++i; // REX: no effect on port I/O
    if (i >= limit) return std::nullopt;
    const uint8_t op = code[i++];
    DecodedIo out{};
    const uint8_t wide = operand16 ? 2 : 4;
    bool immediate = false;
    switch (op) {
    case 0xe4:
        out.access = {0, false, 1};
        immediate = true;
        break; // in al, imm8
    case 0xe5:
        out.access = {0, false, wide};
        immediate = true;
        break;
    case 0xe6:
        out.access = {0, true, 1};
        immediate = true;
        break; // out imm8, al
    case 0xe7:
        out.access = {0, true, wide};
        immediate = true;
        break;
    case 0xec: out.access = {0, false, 1}; break; // in al, dx
    case 0xed: out.access = {0, false, wide}; break;
    case 0xee: out.access = {0, true, 1}; break; // out dx, al
    case 0xef: out.access = {0, true, wide}; break;
    case 0x6c: out.access = {0, false, 1}; break; // ins, outs
    case 0x6d: out.access = {0, false, wide}; break;
    case 0x6e: out.access = {0, true, 1}; break;
    case 0x6f: out.access = {0, true, wide}; break;
    default: return std::nullopt;
    }
    if (immediate) {
        if (i >= limit) return std::nullopt;
        out.access.port = code[i++];
    } else {
        out.access.port = static_cast<uint16_t>(rdx);
    }
    const bool string_io = op >= 0x6c && op <= 0x6f;
    out.access.count = string_io && rep ? static_cast<uint32_t>(rcx) : 1;
    if (out.access.out && !string_io) {
        const uint64_t mask = out.access.size == 4 ? 0xffffffffu : out.access.size == 2 ? 0xffffu : 0xffu;
        out.access.value = static_cast<uint32_t>(rax & mask);
    }
    out.length = static_cast<uint8_t>(i);
    return out;
}

} // namespace sf::vmm::x86_64
