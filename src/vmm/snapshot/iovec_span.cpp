// superfluid monitor: iovec arithmetic for partial writev/readv.
#include "vmm/snapshot/iovec_span.h"

namespace sf::vmm::snapshot {

std::span<iovec> advance(std::span<iovec> iov, size_t done) {
    while (!iov.empty() && done >= iov.front().iov_len) {
        done -= iov.front().iov_len;
        iov = iov.subspan(1);
    }
    if (!iov.empty()) {
        iov.front().iov_base = static_cast<uint8_t*>(iov.front().iov_base) + done;
        iov.front().iov_len -= done;
    }
    return iov;
}

uint64_t total(std::span<const iovec> iov) {
    uint64_t sum = 0;
    for (const iovec& v : iov)
        sum += v.iov_len;
    return sum;
}

} // namespace sf::vmm::snapshot
