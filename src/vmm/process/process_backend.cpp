// superfluid process backend: opening it, and the host TSC frequency.
#include "vmm/process/process_backend.h"

#include "common/executable_path.h"
#include "superfluid/abi.h"
#include "vmm/process/process_cpu.h"

#include <fmt/format.h>
#include <unistd.h>
#include <x86intrin.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace sf::vmm {
namespace {

uint64_t raw_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Runs a sandbox through its whole set-up (memory, handlers, filter) once.
Result<void> run_probe(const ProcessBackend& backend) {
    SF_TRY_ASSIGN(std::unique_ptr<Cpu> cpu, backend.create_cpu());
    SF_TRY_ASSIGN(GuestMemory memory, GuestMemory::create(SF_MEM_MIN, MemorySharing::Shared));
    memory.set_layout({{0, SF_BOOT_INFO_GPA, 0}, {SF_BOOT_INFO_GPA, SF_MEM_MIN - SF_BOOT_INFO_GPA, 4}});
    return cpu->attach_memory(memory);
}

} // namespace

uint64_t host_tsc_hz() {
    static const uint64_t hz = [] {
        const uint64_t t0 = raw_ns(), c0 = __rdtsc();
        uint64_t t1 = t0, c1 = c0;
        while (t1 - t0 < 2'000'000)
            t1 = raw_ns(), c1 = __rdtsc();
        const unsigned __int128 measured =
            static_cast<unsigned __int128>(c1 - c0) * 1'000'000'000u / (t1 - t0);
        return static_cast<uint64_t>((measured + 500) / 1000 * 1000);
    }();
    return hz;
}

Result<std::shared_ptr<const ProcessBackend>> ProcessBackend::open(const std::string& sandbox_path,
                                                                   bool probe) {
    const std::string path = sandbox_path.empty() ? beside_executable("sf-sandbox").string() : sandbox_path;
    if (::access(path.c_str(), X_OK) != 0)
        return error(ErrorKind::Unavailable, "process backend: {}: {} (it is built beside sf-worker)", path,
                     std::strerror(errno));
    std::shared_ptr<ProcessBackend> backend(new ProcessBackend());
    backend->sandbox_path_ = path;
    backend->tsc_hz_ = host_tsc_hz();
    if (Result<void> probed = probe ? run_probe(*backend) : ok(); !probed)
        return error(ErrorKind::Unavailable, "process backend: {}", probed.error().message);
    return std::shared_ptr<const ProcessBackend>(std::move(backend));
}

Result<std::unique_ptr<Cpu>> ProcessBackend::create_cpu() const {
    return ProcessCpu::create(sandbox_path_, tsc_hz_);
}

std::string ProcessBackend::describe() const {
    return fmt::format(
        "process ({}): each guest is a process under a seccomp filter, weaker isolation than a VM",
        sandbox_path_);
}

} // namespace sf::vmm
