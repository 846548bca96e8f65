// superfluid process backend, x86-64: IoDecoder, what a trapped instruction was.
//
// In a process, the guest's `out` to a hypercall port raises #GP (user mode
// has no I/O privilege) and arrives as SIGSEGV with si_code SI_KERNEL, like
// every other privileged instruction. decode_io() reads the instruction's
// bytes and says whether it is port I/O (in, out, ins, outs; with their
// prefixes), which port, which size, and how long it is, so the monitor can
// serve a hypercall and move RIP past it, as KVM does. Anything else is not
// I/O (nullopt) and ends the guest as a fault.
//
// Input is guest-controlled: any bytes, any length (shorter than an
// instruction: nullopt). Fuzzed by fuzz/io_decoder_fuzz.cpp.
#pragma once

#include "vmm/backend.h"

#include <cstdint>
#include <optional>
#include <span>

namespace sf::vmm::x86_64 {

struct DecodedIo {
    IoAccess access; // value and count filled from the registers given
    uint8_t length;  // bytes of the instruction, prefixes included (<= 15)
};

// `code`: the bytes at RIP (up to 15); rax, rdx, rcx: the registers then.
std::optional<DecodedIo> decode_io(std::span<const uint8_t> code, uint64_t rax, uint64_t rdx, uint64_t rcx);

} // namespace sf::vmm::x86_64
