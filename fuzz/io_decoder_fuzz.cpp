// libFuzzer target: the process backend's decoder of trapped instructions
// (vmm/process/io_decoder_x86_64.h). The guest controls every byte and
// register: the decoder must never read past the bytes it is given, and what
// it returns must be self-consistent.
#include "vmm/process/io_decoder_x86_64.h"

#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    uint64_t regs[3] = {};
    const size_t reg_bytes = size < sizeof regs ? size : sizeof regs;
    std::memcpy(regs, data, reg_bytes);
    // A copy of exactly the remaining bytes, so ASan sees any read past them.
    const size_t code_size = size - reg_bytes;
    auto* code = static_cast<uint8_t*>(std::malloc(code_size == 0 ? 1 : code_size));
    std::memcpy(code, data + reg_bytes, code_size);
    auto decoded = sf::vmm::x86_64::decode_io({code, code_size}, regs[0], regs[1], regs[2]);
    if (decoded) {
        const auto& io = decoded->access;
        if (decoded->length == 0 || decoded->length > 15 || decoded->length > code_size) std::abort();
        if (io.size != 1 && io.size != 2 && io.size != 4) std::abort();
        if (!io.out && io.value != 0) std::abort();
    }
    std::free(code);
    return 0;
}
