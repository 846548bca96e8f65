// superfluid tests: builds ELF64 guest images in memory, so loader tests need
// no files on disk.
//
// Layout of a built image: the ELF header at offset 0, the program headers
// right after it (offset 64, room for 72 of them), segment bytes from offset
// 0x1000 on, each placed so that p_offset % 0x1000 == p_vaddr % 0x1000
// (p_align 0x1000). Tests may edit `ehdr` and `phdrs` freely before build();
// build() writes them as they are (the program headers always at offset 64,
// whatever ehdr.e_phoff says).
#pragma once

#include <elf.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace sf::test {

class ElfBuilder {
  public:
    static constexpr uint64_t kPage = 0x1000;
    static constexpr uint64_t kPhdrOffset = sizeof(Elf64_Ehdr);
    static constexpr uint64_t kDataStart = kPage;

    Elf64_Ehdr ehdr{};
    std::vector<Elf64_Phdr> phdrs;

    // A valid static x86-64 ET_EXEC header with no program headers yet.
    explicit ElfBuilder(uint64_t entry = 0x100000) {
        std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
        ehdr.e_ident[EI_CLASS] = ELFCLASS64;
        ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
        ehdr.e_ident[EI_VERSION] = EV_CURRENT;
        ehdr.e_ident[EI_OSABI] = ELFOSABI_SYSV;
        ehdr.e_type = ET_EXEC;
        ehdr.e_machine = EM_X86_64;
        ehdr.e_version = EV_CURRENT;
        ehdr.e_entry = entry;
        ehdr.e_phoff = kPhdrOffset;
        ehdr.e_ehsize = sizeof(Elf64_Ehdr);
        ehdr.e_phentsize = sizeof(Elf64_Phdr);
        ehdr.e_shentsize = sizeof(Elf64_Shdr);
    }

    // Adds a PT_LOAD of `data` at `vaddr` (p_memsz = mem_size, p_flags = PF_* bits).
    // Returns the index of its program header.
    size_t add_load(uint64_t vaddr, std::vector<uint8_t> data, uint64_t mem_size, uint32_t flags) {
        uint64_t offset = (cursor_ + kPage - 1) / kPage * kPage + vaddr % kPage;
        Elf64_Phdr p{};
        p.p_type = PT_LOAD;
        p.p_flags = flags;
        p.p_offset = offset;
        p.p_vaddr = vaddr;
        p.p_paddr = vaddr;
        p.p_filesz = data.size();
        p.p_memsz = mem_size;
        p.p_align = kPage;
        cursor_ = offset + data.size();
        blobs_.push_back({offset, std::move(data)});
        return push(p);
    }

    // Adds a program header with no contents (PT_NOTE, PT_INTERP, PT_GNU_STACK, ...).
    size_t add_phdr(uint32_t type) {
        Elf64_Phdr p{};
        p.p_type = type;
        return push(p);
    }

    std::vector<uint8_t> build() const {
        uint64_t table_end = kPhdrOffset + phdrs.size() * sizeof(Elf64_Phdr);
        std::vector<uint8_t> out(std::max<uint64_t>({sizeof(Elf64_Ehdr), table_end, cursor_}));
        std::memcpy(out.data(), &ehdr, sizeof(ehdr));
        if (!phdrs.empty())
            std::memcpy(out.data() + kPhdrOffset, phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr));
        for (const Blob& b : blobs_)
            if (!b.data.empty()) std::memcpy(out.data() + b.offset, b.data.data(), b.data.size());
        return out;
    }

  private:
    struct Blob {
        uint64_t offset;
        std::vector<uint8_t> data;
    };

    size_t push(const Elf64_Phdr& p) {
        phdrs.push_back(p);
        ehdr.e_phnum = static_cast<Elf64_Half>(phdrs.size());
        return phdrs.size() - 1;
    }

    std::vector<Blob> blobs_;
    uint64_t cursor_ = kDataStart;
};

} // namespace sf::test
