// superfluid monitor: the iovec arithmetic the snapshot Writer and Reader
// share for their partial writev/readv.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace sf::vmm::snapshot {

// An iovec over `len` bytes at `data` (readv writes there; writev only reads).
inline iovec iov_of(const void* data, size_t len) {
    return iovec{const_cast<void*>(data), len};
}
// Drops `done` bytes from the front of iov; returns the first unfinished entry.
std::span<iovec> advance(std::span<iovec> iov, size_t done);
// The bytes iov covers.
uint64_t total(std::span<const iovec> iov);

} // namespace sf::vmm::snapshot
