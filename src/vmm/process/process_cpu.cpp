// superfluid process backend: a guest's Cpu as a sandbox process.
#include "vmm/process/process_cpu.h"

#include "common/fd_passing.h"
#include "superfluid/abi.h"
#include "vmm/process/io_decoder_x86_64.h"
#include "vmm/x86_64/boot_x86_64.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace sf::vmm {
namespace {

thread_local volatile sig_atomic_t tls_interrupt = 0;
thread_local volatile sig_atomic_t tls_running = 0;

constexpr uint64_t kUserFlags = SF_SANDBOX_USER_FLAGS;
using x86_64::kRflagsFixed, x86_64::kRflagsIf, x86_64::kRflagsIopl3;
constexpr int kSiKernel = 0x80;

Error os_error(const char* what) {
    return error("{} failed: {}", what, std::strerror(errno));
}

// The sandbox's view of a stop's FXSAVE area and KVM's kvm_fpu, both ways.
kvm_fpu fpu_of(const uint8_t* fx) {
    kvm_fpu fpu{};
    std::memcpy(&fpu.fcw, fx + 0, 2);
    std::memcpy(&fpu.fsw, fx + 2, 2);
    fpu.ftwx = fx[4];
    std::memcpy(&fpu.last_opcode, fx + 6, 2);
    std::memcpy(&fpu.last_ip, fx + 8, 8);
    std::memcpy(&fpu.last_dp, fx + 16, 8);
    std::memcpy(&fpu.mxcsr, fx + 24, 4);
    std::memcpy(fpu.fpr, fx + 32, sizeof fpu.fpr);
    std::memcpy(fpu.xmm, fx + 160, sizeof fpu.xmm);
    return fpu;
}

void fxsave_of(const kvm_fpu& fpu, uint8_t* fx) {
    std::memset(fx, 0, 512);
    std::memcpy(fx + 0, &fpu.fcw, 2);
    std::memcpy(fx + 2, &fpu.fsw, 2);
    fx[4] = fpu.ftwx;
    std::memcpy(fx + 6, &fpu.last_opcode, 2);
    std::memcpy(fx + 8, &fpu.last_ip, 8);
    std::memcpy(fx + 16, &fpu.last_dp, 8);
    std::memcpy(fx + 24, &fpu.mxcsr, 4);
    std::memcpy(fx + 32, fpu.fpr, sizeof fpu.fpr);
    std::memcpy(fx + 160, fpu.xmm, sizeof fpu.xmm);
}

std::string exception_name(const sf_sandbox_stop& stop) {
    switch (stop.signo) {
    case SIGILL: return "invalid opcode";
    case SIGTRAP: return stop.trapno == 3 ? "breakpoint" : "debug exception";
    case SIGBUS:
        return stop.trapno == 17 ? "alignment check" : fmt::format("bus error at {:#x}", stop.fault_addr);
    case SIGFPE:
        return stop.trapno == 0    ? "divide error"
               : stop.trapno == 19 ? "SIMD floating-point exception"
                                   : "x87 floating-point exception";
    case SIGSEGV:
        if (stop.code == kSiKernel)
            return stop.trapno == 13 ? "general protection fault" : fmt::format("exception {}", stop.trapno);
        return fmt::format("page fault on {} of {:#x}",
                           (stop.error_code & 0x10) ? "instruction fetch"
                           : (stop.error_code & 2)  ? "write"
                                                    : "read",
                           stop.fault_addr);
    default: return fmt::format("signal {}", stop.signo);
    }
}

} // namespace

void ProcessCpu::interrupt_current_thread() {
    if (tls_running) tls_interrupt = 1;
}

Result<std::unique_ptr<Cpu>> ProcessCpu::create(const std::string& sandbox_path, uint64_t tsc_hz) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) return os_error("socketpair");
    UniqueFd ours(pair[0]), theirs(pair[1]);
    if (theirs.get() == SF_SANDBOX_CHANNEL_FD) { // dup2 onto itself would keep O_CLOEXEC
        theirs.reset(::fcntl(pair[1], F_DUPFD_CLOEXEC, SF_SANDBOX_CHANNEL_FD + 1));
        if (!theirs.valid()) return os_error("fcntl(F_DUPFD_CLOEXEC)");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, theirs.get(), SF_SANDBOX_CHANNEL_FD);
    char* argv[] = {const_cast<char*>("sf-sandbox"), nullptr};
    char* envp[] = {nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, sandbox_path.c_str(), &actions, nullptr, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return error("cannot start the sandbox {}: {}", sandbox_path, std::strerror(rc));
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd.valid()) {
        const int err = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        errno = err;
        return os_error("pidfd_open");
    }
    return std::unique_ptr<Cpu>(new ProcessCpu(std::move(ours), std::move(pidfd), pid, tsc_hz));
}

ProcessCpu::~ProcessCpu() {
    if (dead_) return;
    ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
    siginfo_t info{};
    while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info, WEXITED) < 0 &&
           errno == EINTR) {
    }
}

// Reaps the sandbox after its channel closed and says how it ended.
std::string ProcessCpu::death() {
    dead_ = true;
    siginfo_t info{};
    while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info, WEXITED) < 0) {
        if (errno != EINTR) return fmt::format("sandbox process {} is gone", pid_);
    }
    if (info.si_code == CLD_EXITED)
        return fmt::format("sandbox process {} exited with status {}", pid_, info.si_status);
    return fmt::format("sandbox process {} was killed by signal {} ({})", pid_, info.si_status,
                       ::sigabbrev_np(info.si_status) ? ::sigabbrev_np(info.si_status) : "?");
}

Result<void> ProcessCpu::attach_memory(const GuestMemory& memory) {
    if (memory.sharing() != MemorySharing::Shared)
        return error("internal: the process backend needs shared guest memory");
    const auto& layout = memory.layout();
    if (layout.empty() || layout.size() > SF_SANDBOX_MAX_REGIONS)
        return error("internal: guest memory layout has {} ranges (1 to {} fit a sandbox)", layout.size(),
                     SF_SANDBOX_MAX_REGIONS);
    sf_sandbox_setup setup{};
    setup.magic = SF_SANDBOX_MAGIC;
    setup.version = SF_SANDBOX_VERSION;
    setup.mem_size = memory.size();
    setup.region_count = static_cast<uint32_t>(layout.size());
    for (size_t i = 0; i < layout.size(); ++i)
        setup.regions[i] = {layout[i].gpa, layout[i].len, layout[i].perms, 0};
    const iovec part{&setup, sizeof setup};
    if (Result<void> sent =
            send_with_fd(channel_.get(), std::span<const iovec>(&part, 1), memory.shared_fd());
        !sent)
        return error("sandbox {}: cannot send its memory: {}", pid_, sent.error().message);
    SF_TRY_ASSIGN(sf_sandbox_stop stop, next_stop());
    if (stop.kind == SF_SANDBOX_STOP_SETUP_FAILED)
        return error("sandbox {}: set-up failed: {}", pid_, std::strerror(stop.errno_value));
    if (stop.kind != SF_SANDBOX_STOP_READY)
        return error("sandbox {}: unexpected first stop {}", pid_, stop.kind);
    std::memcpy(fxsave_, stop.fxsave, sizeof fxsave_);
    guest_bytes_ = memory.monitor_bytes();
    return ok();
}

Result<void> ProcessCpu::reset(uint64_t entry, uint64_t stack_top, uint64_t boot_info_gpa) {
    regs_ = sf_sandbox_regs{};
    regs_.rip = entry;
    regs_.rsp = stack_top;
    regs_.rdi = boot_info_gpa;
    regs_.rflags = kRflagsFixed | kRflagsIf;
    pending_advance_ = 0;
    return ok();
}

Result<void> ProcessCpu::match_tsc_hz(uint64_t saved_hz) {
    const uint64_t diff = saved_hz > tsc_hz_ ? saved_hz - tsc_hz_ : tsc_hz_ - saved_hz;
    if (diff <= tsc_hz_ / 1000) return ok(); // both measured: they differ by the measurement
    return error(
        ErrorKind::Conflict,
        "snapshot TSC runs at {} Hz, this host's at {} Hz: a process guest reads the host's TSC, so its "
        "rdtsc would change speed; restore it on a host of the same TSC frequency",
        saved_hz, tsc_hz_);
}

// The next stop; EINTR with an interruption asked for signals the sandbox once.
Result<sf_sandbox_stop> ProcessCpu::next_stop() {
    sf_sandbox_stop stop;
    bool signalled = false;
    for (;;) {
        if (tls_interrupt && !signalled) {
            ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SF_SANDBOX_INTERRUPT_SIGNAL, nullptr, 0);
            signalled = true;
        }
        const ssize_t n = ::recv(channel_.get(), &stop, sizeof stop, 0);
        if (n == static_cast<ssize_t>(sizeof stop)) return stop;
        if (n < 0 && errno == EINTR) continue;
        if (n > 0) {
            ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
            return error("sandbox {} sent a {} byte message: {}", pid_, n, death());
        }
        return error("{}", death());
    }
}

Result<CpuExit> ProcessCpu::run() {
    if (dead_) return error("sandbox process {} has ended", pid_);
    if (guest_bytes_.empty()) return error("internal: a sandbox run before its memory was attached");
    SF_TRY(complete_pending_exit());
    sf_sandbox_resume resume{};
    resume.kind = SF_SANDBOX_RESUME_RUN;
    resume.regs = regs_;
    std::memcpy(resume.fxsave, fxsave_, sizeof fxsave_);
    if (::send(channel_.get(), &resume, sizeof resume, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof resume))
        return CpuExit{CpuExit::Kind::Fault, {}, fmt::format("{} at rip={:#x}", death(), regs_.rip)};
    tls_interrupt = 0;
    tls_running = 1;
    Result<sf_sandbox_stop> stop = next_stop();
    tls_running = 0;
    tls_interrupt = 0;
    if (!stop)
        return CpuExit{
            CpuExit::Kind::Fault, {}, fmt::format("{} at rip={:#x}", stop.error().message, regs_.rip)};
    regs_ = stop->regs;
    std::memcpy(fxsave_, stop->fxsave, sizeof fxsave_);
    return exit_of(*stop);
}

Result<CpuExit> ProcessCpu::exit_of(const sf_sandbox_stop& stop) {
    if (stop.kind == SF_SANDBOX_STOP_INTERRUPTED) return CpuExit{};
    if (stop.kind != SF_SANDBOX_STOP_SIGNAL)
        return CpuExit{CpuExit::Kind::Fault,
                       {},
                       fmt::format("sandbox protocol error (stop {}) at rip={:#x}", stop.kind, regs_.rip)};
    if (stop.signo == SIGSEGV && stop.code == kSiKernel && regs_.rip < guest_bytes_.size()) {
        const auto bytes = guest_bytes_.subspan(regs_.rip);
        const auto code = bytes.first(std::min<size_t>(bytes.size(), 15));
        if (auto io = x86_64::decode_io(code, regs_.rax, regs_.rdx, regs_.rcx)) {
            pending_advance_ = io->length;
            return CpuExit{CpuExit::Kind::Io, io->access, {}};
        }
    }
    return fault_of(stop);
}

CpuExit ProcessCpu::fault_of(const sf_sandbox_stop& stop) const {
    if (stop.signo == SIGSYS) {
        const bool native = stop.syscall_arch == 0xc000003e; // AUDIT_ARCH_X86_64
        return CpuExit{CpuExit::Kind::Fault,
                       {},
                       fmt::format("system call {} ({}), which a guest may not make, at rip={:#x}",
                                   stop.syscall_nr, native ? "syscall" : "int 0x80", regs_.rip - 2)};
    }
    std::string what = fmt::format("unhandled CPU exception ({})", exception_name(stop));
    if (stop.signo == SIGSEGV && stop.code != kSiKernel) what += fmt::format(", cr2={:#x}", stop.fault_addr);
    return CpuExit{CpuExit::Kind::Fault, {}, fmt::format("{} at rip={:#x}", what, regs_.rip)};
}

Result<void> ProcessCpu::complete_pending_exit() {
    regs_.rip += pending_advance_;
    pending_advance_ = 0;
    return ok();
}

Result<x86_64::VcpuRecord> ProcessCpu::save_state() {
    x86_64::VcpuRecord record{};
    static_assert(sizeof(record.regs) == sizeof(regs_));
    std::memcpy(&record.regs, &regs_, sizeof regs_);
    record.regs.rflags = (regs_.rflags & kUserFlags) | kRflagsFixed | kRflagsIopl3;
    record.sregs = x86_64::cpl3_sregs(kvm_sregs{});
    record.fpu = fpu_of(fxsave_);
    record.msr_count = 1;
    record.msrs[0] = x86_64::MsrValue{x86_64::kMsrTsc, 0, __rdtsc()};
    return record;
}

Result<uint64_t> ProcessCpu::restore_state(const x86_64::VcpuRecord& record, uint64_t mem_size) {
    SF_TRY(x86_64::check_vcpu_record(record, mem_size));
    std::memcpy(&regs_, &record.regs, sizeof regs_);
    regs_.rflags = (record.regs.rflags & kUserFlags) | kRflagsFixed | kRflagsIf;
    fxsave_of(record.fpu, fxsave_);
    pending_advance_ = 0;
    return __rdtsc(); // the host's TSC: the guest's clock follows it (Guest::follow_tsc)
}

Result<void> ProcessCpu::enable_dirty_log(const GuestMemory&) {
    return error(ErrorKind::Conflict, "the process backend has no dirty log: a guest moves by stop-and-copy");
}

Result<std::vector<uint64_t>> ProcessCpu::dirty_pages() {
    return error(ErrorKind::Conflict, "the process backend has no dirty log");
}

} // namespace sf::vmm
