// libFuzzer target: the snapshot stream's Reader and the SnapshotLoader
// (vmm/snapshot/) on arbitrary bytes, as a hostile file or peer would send
// them. The input goes into a memfd; the Reader reads the header and up to 64
// records, Memory records straight into a 2 MiB guest memory, each offered
// to the loader, then finish(). Checks: no crash, no sanitizer report, reads
// never pass the records returned (bytes_read() matches what the records
// hold), every accepted Vcpu record keeps the guest at CPL 3 inside memory.
#include "superfluid/abi.h"
#include "vmm/snapshot/loader.h"
#include "vmm/snapshot/reader.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sf::vmm;
    using namespace sf::vmm::snapshot;
    static GuestMemory* memory = new GuestMemory(std::move(*GuestMemory::create(2ull << 20)));
    static const int fd = ::memfd_create("fuzz-snapshot", MFD_CLOEXEC);
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
    ::lseek(fd, 0, SEEK_SET);
    // Odd first bytes: read Memory records as bytes (the loader copies them).
    const bool into_memory = size == 0 || (data[size - 1] & 1) == 0;
    Reader reader(fd, IoDeadline{std::chrono::milliseconds(100), std::nullopt});
    if (!reader.header()) return 0;
    uint64_t expected = sizeof(StreamHeader);
    SnapshotLoader loader(*memory);
    for (int i = 0; i < 64; ++i) {
        auto record = reader.next(into_memory ? memory : nullptr);
        if (!record) break;
        expected += sizeof(RecordHeader) +
                    (record->pages != 0 ? memory_record_length(record->pages) : record->payload.size());
        if (reader.bytes_read() != expected) std::abort();
        auto taken = loader.accept(*record);
        if (!taken) break;
        if (!*taken && record->tag == Tag::GuestEnd) break;
    }
    auto snap = std::move(loader).finish();
    if (snap) {
        const auto& regs = snap->vcpu.regs;
        if (regs.rip < SF_GUEST_BASE_GPA || regs.rip >= memory->size()) std::abort();
        if ((snap->vcpu.sregs.cs.selector & 3) != 3 || snap->vcpu.sregs.cs.dpl != 3) std::abort();
        if (snap->nics.size() != snap->state.nic_count) std::abort();
    }
    return 0;
}
