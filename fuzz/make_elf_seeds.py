#!/usr/bin/env python3
"""Writes the handcrafted seed inputs of the ELF loader fuzzer to fuzz/corpus/elf_loader/.

Each seed is a small ELF64 image: a few valid ones and a few that fail one
specific check, so the fuzzer starts next to every branch of Image::parse.
Run it again after changing a seed; the outputs are committed.

The one seed not written here, valid-ld-static, is real linker output:
  gcc -O2 -static -nostdlib -fno-pie -no-pie -Wl,-Ttext-segment=0x100000 \
      -Wl,-z,max-page-size=0x1000 -Wl,--build-id=none -Wl,-z,noseparate-code -s -o valid-ld-static g.c
with g.c: int counter = 3; static char buf[256];
          void _start(void) { buf[0] = (char)counter; for (;;) __asm__ volatile("hlt"); }
"""
import os
import struct

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")  # Elf64_Ehdr, 64 bytes
PHDR = struct.Struct("<IIQQQQQQ")  # Elf64_Phdr, 56 bytes
PT_LOAD, PT_INTERP, PT_GNU_STACK = 1, 3, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4
BASE = 0x100000
CODE = bytes([0x90, 0xF4, 0xEB, 0xFD])  # nop; hlt; jmp .-1


def ident(cls=2, data=1):
    return b"\x7fELF" + bytes([cls, data, 1, 0]) + bytes(8)


def image(segments, entry, extra_phdrs=(), e_type=2, cls=2):
    """segments: (offset, vaddr, data, memsz, flags); data lands at offset."""
    phdrs = [PHDR.pack(PT_LOAD, f, off, va, va, len(d), ms, 0x1000) for off, va, d, ms, f in segments]
    phdrs += [PHDR.pack(t, PF_R | PF_W, 0, 0, 0, 0, 0, 0x10) for t in extra_phdrs]
    head = EHDR.pack(ident(cls), e_type, 62, 1, entry, 64, 0, 0, 64, 56, len(phdrs), 64, 0, 0)
    out = bytearray(head + b"".join(phdrs))
    for off, _va, d, _ms, _f in segments:
        out.extend(bytes(max(0, off + len(d) - len(out))))
        out[off:off + len(d)] = d
    return bytes(out)


def minimal():
    # One segment mapping the whole file (headers included), code right after the headers.
    size = 64 + 56 + len(CODE)
    head = EHDR.pack(ident(), 2, 62, 1, BASE + 64 + 56, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    return head + PHDR.pack(PT_LOAD, PF_R | PF_X, 0, BASE, BASE, size, size, 0x1000) + CODE


def two_segments(extra=(), e_type=2, text_memsz=len(CODE)):
    text = (0x100, BASE + 0x100, CODE, text_memsz, PF_R | PF_X)
    data = (0x200, BASE + 0x200, b"\x01\x02\x03\x04", 0x3000, PF_R | PF_W)  # with bss
    return image([text, data], BASE + 0x100, extra, e_type)


SEEDS = {
    "valid-minimal": minimal(),
    "valid-two-segments": two_segments((PT_GNU_STACK,)),
    "invalid-et-dyn": two_segments(e_type=3),
    "invalid-pt-interp": two_segments((PT_INTERP,)),
    "invalid-overlap": two_segments(text_memsz=0x101),
    "invalid-below-1mib": image([(0x100, 0x1100, CODE, 4, PF_R | PF_X)], 0x1100),
    "invalid-too-many-loads": image(
        [(0x800 + i * 8, BASE + 0x800 + i * 0x1008, CODE, 4, PF_R | PF_X) for i in range(17)], BASE + 0x800),
    "invalid-elf32": ident(cls=1) + bytes(48),  # 64 bytes: past the size check
}

if __name__ == "__main__":
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "elf_loader")
    os.makedirs(out_dir, exist_ok=True)
    for name, blob in SEEDS.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(blob)
        print(f"{name}: {len(blob)} bytes")
