#!/usr/bin/env python3
"""Writes seed streams for fuzz-snapshot-reader into corpus/snapshot_reader/.

The layouts are docs/snapshot-format.md's; checksums are XXH3-64 from
libxxhash (Debian libxxhash0, through ctypes); without it the seeds carry zero
checksums, which the Reader refuses (still useful seeds)."""
import ctypes
import ctypes.util
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "snapshot_reader")
TAGS = {"Host": 1, "Memory": 16, "GuestState": 17, "Vcpu": 18, "Nic": 19, "StorePort": 20, "GuestEnd": 48, "End": 255}
MEM = 2 << 20


def xxh3(data: bytes) -> int:
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
    except OSError:
        return 0
    lib.XXH3_64bits.restype = ctypes.c_uint64
    lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lib.XXH3_64bits(data, len(data))


def header() -> bytes:
    return b"SFSNAP\0\0" + struct.pack("<IIQQ", 1, 0, 0, 0)


def record(tag: str, payload: bytes) -> bytes:
    return struct.pack("<IIQQ", TAGS[tag], 0, len(payload), xxh3(payload)) + payload


def segment(selector: int, type_: int, db: int, l: int) -> bytes:
    return struct.pack("<QIHBBBBBBBBBB", 0, 0xFFFFFFFF, selector, type_, 1, 3, db, 1, l, 1, 0, 0, 0)


def vcpu() -> bytes:
    regs = [0] * 18
    regs[6] = MEM  # rsp
    regs[16] = 0x100000  # rip
    regs[17] = 0x3002  # rflags
    sregs = segment(0x23, 0xB, 0, 1) + segment(0x1B, 3, 1, 0) * 4 + segment(0x1B, 3, 1, 0) + bytes(48)
    sregs += bytes(32) + struct.pack("<7Q", 0x80010033, 0, 0x3000, 0x620, 0, 0xD00, 0) + bytes(32)
    fpu = bytearray(416)
    struct.pack_into("<I", fpu, 408, 0x1F80)
    msrs = struct.pack("<IIQ", 0x10, 0, 123456789) + bytes(15 * 16)
    body = struct.pack("<II", 1, 0) + struct.pack("<18Q", *regs) + sregs + bytes(fpu) + bytes(392) + bytes(64) + msrs
    assert len(body) == 8 + 144 + 312 + 416 + 392 + 64 + 256, len(body)
    return body


def guest_state(nics: int, flags: int) -> bytes:
    return struct.pack("<QQQIIQQQQ", MEM, 1000, 2_000_000_000, nics, flags, 0x100800, 5000, 0, 0)


def nic(index: int) -> bytes:
    return struct.pack("<IIQII6Q2Q", index, 1, 0x110000, 3, 1, 3, 0, 0, 0, 1, 1, 0, 0)


def store() -> bytes:
    event = b"data/x\0tok\0"
    return struct.pack("<II4Q", 1, 0, 1, 0, 1, 0) + struct.pack("<I", len(event)) + event


def memory(pages: list) -> bytes:
    body = struct.pack("<II", len(pages), 0) + b"".join(struct.pack("<Q", p) for p in pages)
    return body + b"".join(bytes([p & 0xFF]) * 4096 for p in pages)


def live_record(pages: list) -> bytes:
    """A Memory record with kFlagLivePages: the checksum covers count and indices only."""
    payload = memory(pages)
    covered = payload[: 8 + 8 * len(pages)]
    return struct.pack("<IIQQ", TAGS["Memory"], 1, len(payload), xxh3(covered)) + payload


def main() -> int:
    os.makedirs(OUT, exist_ok=True)
    seeds = {
        "guest-part": header() + record("Host", b'{"name":"x"}') + record("Memory", memory([256, 257, 300]))
        + record("GuestState", guest_state(1, 3)) + record("Vcpu", vcpu()) + record("Nic", nic(0))
        + record("StorePort", store()) + record("GuestEnd", b"{}"),
        "live-pages": header() + live_record([400]) + record("GuestEnd", b""),
        "minimal": header() + record("GuestState", guest_state(0, 0)) + record("Vcpu", vcpu()) + record("End", b""),
        "header-only": header(),
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
