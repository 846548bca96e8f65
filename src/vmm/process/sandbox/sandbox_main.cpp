// sf-sandbox: runs one guest image as a sandboxed Linux process (the process
// backend, docs/process-backend.md). Started by a monitor (sf-worker, sfctl
// run, sf-bench) with its channel at fd 3, never by hand.
//
// It maps the guest's memory at the guest's own addresses with the guest's
// permissions, installs one signal handler for every trap and a seccomp
// filter, and enters guest code at CPL 3. From then on this program runs only
// inside the handler: each trap (a hypercall's `out`, a fault, a refused
// system call, an interruption) sends the CPU state to the monitor and waits
// for the state to go on with. The filter lets through only the handler's own
// reads and writes of fd 3, its exit and its sigreturn, each from the one
// instruction that makes it: a guest's own `syscall` or `int 0x80` is
// refused (SIGSYS) and reported as a fault.
//
// Built static-pie (no interpreter, loaded far above any guest address).
#include "vmm/process/sandbox_protocol.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include <cerrno>
#include <initializer_list>

// The only instructions that may make system calls once the filter is on.
extern "C" long sf_sandbox_syscall(long nr, long a1, long a2, long a3);
extern "C" char sf_sandbox_syscall_site[];
extern "C" void sf_sandbox_restorer();
extern "C" char sf_sandbox_restorer_site[];

asm(R"(
    .text
    .globl sf_sandbox_syscall
    .hidden sf_sandbox_syscall
    .type sf_sandbox_syscall, @function
sf_sandbox_syscall:
    mov %rdi, %rax
    mov %rsi, %rdi
    mov %rdx, %rsi
    mov %rcx, %rdx
    syscall
    .globl sf_sandbox_syscall_site
    .hidden sf_sandbox_syscall_site
sf_sandbox_syscall_site:
    ret
    .size sf_sandbox_syscall, . - sf_sandbox_syscall
    .globl sf_sandbox_restorer
    .hidden sf_sandbox_restorer
    .type sf_sandbox_restorer, @function
sf_sandbox_restorer:
    mov $15, %eax
    syscall
    .globl sf_sandbox_restorer_site
    .hidden sf_sandbox_restorer_site
sf_sandbox_restorer_site:
    ud2
    .size sf_sandbox_restorer, . - sf_sandbox_restorer
)");

namespace {

constexpr int kChannel = SF_SANDBOX_CHANNEL_FD;
constexpr uint64_t kPage = 4096;
constexpr uint64_t kMaxMem = 4ull << 30;
constexpr int kTrapSignals[] = {
    SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SF_SANDBOX_INTERRUPT_SIGNAL};
constexpr uint64_t kUserFlags = SF_SANDBOX_USER_FLAGS;
constexpr uint32_t kXstateMagic1 = 0x46505853; // FP_XSTATE_MAGIC1: an XSAVE frame follows the FXSAVE area

bool g_started = false;

[[noreturn]] void die(int status) {
    sf_sandbox_syscall(SYS_exit_group, status, 0, 0);
    __builtin_unreachable();
}

void send_stop(const sf_sandbox_stop& stop) {
    if (sf_sandbox_syscall(SYS_write, kChannel, reinterpret_cast<long>(&stop), sizeof stop) != sizeof stop)
        die(1);
}

[[noreturn]] void setup_failed(int err) {
    sf_sandbox_stop stop{};
    stop.kind = SF_SANDBOX_STOP_SETUP_FAILED;
    stop.errno_value = err;
    send_stop(stop);
    die(1);
}

// The kernel's signal frame keeps registers as greg_t (signed), the protocol as uint64_t.
uint64_t from_greg(greg_t value) {
    return static_cast<uint64_t>(value);
}
greg_t to_greg(uint64_t value) {
    return static_cast<greg_t>(value);
}

void save_state(const ucontext_t& uc, sf_sandbox_stop& stop) {
    const greg_t* g = uc.uc_mcontext.gregs;
    sf_sandbox_regs& r = stop.regs;
    r.rax = from_greg(g[REG_RAX]), r.rbx = from_greg(g[REG_RBX]), r.rcx = from_greg(g[REG_RCX]);
    r.rdx = from_greg(g[REG_RDX]), r.rsi = from_greg(g[REG_RSI]), r.rdi = from_greg(g[REG_RDI]);
    r.rsp = from_greg(g[REG_RSP]), r.rbp = from_greg(g[REG_RBP]), r.r8 = from_greg(g[REG_R8]);
    r.r9 = from_greg(g[REG_R9]), r.r10 = from_greg(g[REG_R10]), r.r11 = from_greg(g[REG_R11]);
    r.r12 = from_greg(g[REG_R12]), r.r13 = from_greg(g[REG_R13]), r.r14 = from_greg(g[REG_R14]);
    r.r15 = from_greg(g[REG_R15]), r.rip = from_greg(g[REG_RIP]), r.rflags = from_greg(g[REG_EFL]);
    stop.trapno = from_greg(g[REG_TRAPNO]);
    stop.error_code = from_greg(g[REG_ERR]);
    if (uc.uc_mcontext.fpregs != nullptr) memcpy(stop.fxsave, uc.uc_mcontext.fpregs, sizeof stop.fxsave);
}

void load_state(ucontext_t& uc, const sf_sandbox_resume& resume) {
    greg_t* g = uc.uc_mcontext.gregs;
    const sf_sandbox_regs& r = resume.regs;
    g[REG_RAX] = to_greg(r.rax), g[REG_RBX] = to_greg(r.rbx), g[REG_RCX] = to_greg(r.rcx);
    g[REG_RDX] = to_greg(r.rdx), g[REG_RSI] = to_greg(r.rsi), g[REG_RDI] = to_greg(r.rdi);
    g[REG_RSP] = to_greg(r.rsp), g[REG_RBP] = to_greg(r.rbp), g[REG_R8] = to_greg(r.r8);
    g[REG_R9] = to_greg(r.r9), g[REG_R10] = to_greg(r.r10), g[REG_R11] = to_greg(r.r11);
    g[REG_R12] = to_greg(r.r12), g[REG_R13] = to_greg(r.r13), g[REG_R14] = to_greg(r.r14);
    g[REG_R15] = to_greg(r.r15), g[REG_RIP] = to_greg(r.rip);
    g[REG_EFL] = to_greg((from_greg(g[REG_EFL]) & ~kUserFlags) | (r.rflags & kUserFlags));
    auto* fp = reinterpret_cast<uint8_t*>(uc.uc_mcontext.fpregs);
    if (fp == nullptr) return;
    uint32_t mxcsr_mask = 0;
    memcpy(&mxcsr_mask, fp + 28, 4);
    if (mxcsr_mask == 0) mxcsr_mask = 0xffbf;
    memcpy(fp, resume.fxsave, sizeof resume.fxsave);
    uint32_t mxcsr = 0;
    memcpy(&mxcsr, fp + 24, 4);
    mxcsr &= mxcsr_mask;
    memcpy(fp + 24, &mxcsr, 4);
    memcpy(fp + 28, &mxcsr_mask, 4);
    // In an XSAVE frame, x87 and SSE state are restored only when the header says they are there.
    uint32_t magic = 0;
    memcpy(&magic, fp + 464, 4);
    if (magic == kXstateMagic1) {
        uint64_t features = 0;
        memcpy(&features, fp + 512, 8);
        features |= 3;
        memcpy(fp + 512, &features, 8);
    }
}

// Waits for the monitor's answer and applies it; an EXIT or a closed channel ends the process.
void await_resume(ucontext_t& uc) {
    sf_sandbox_resume resume;
    const long n = sf_sandbox_syscall(SYS_read, kChannel, reinterpret_cast<long>(&resume), sizeof resume);
    if (n != sizeof resume || resume.kind != SF_SANDBOX_RESUME_RUN) die(0);
    load_state(uc, resume);
}

void on_trap(int signo, siginfo_t* info, void* context) {
    auto& uc = *static_cast<ucontext_t*>(context);
    sf_sandbox_stop stop{};
    save_state(uc, stop);
    if (!g_started) {
        stop.kind = SF_SANDBOX_STOP_READY;
        g_started = true;
    } else if (signo == SF_SANDBOX_INTERRUPT_SIGNAL && info->si_code <= 0) {
        stop.kind = SF_SANDBOX_STOP_INTERRUPTED;
    } else {
        stop.kind = SF_SANDBOX_STOP_SIGNAL;
        stop.signo = signo;
        stop.code = info->si_code;
        stop.fault_addr = reinterpret_cast<uint64_t>(info->si_addr);
        if (signo == SIGSYS) {
            stop.syscall_nr = info->si_syscall;
            stop.syscall_arch = info->si_arch;
        }
    }
    send_stop(stop);
    await_resume(uc);
}

// The kernel's struct sigaction (glibc's wrapper would install its own restorer).
struct KernelSigaction {
    void (*handler)(int, siginfo_t*, void*);
    unsigned long flags;
    void (*restorer)();
    uint64_t mask;
};

int install_handlers(void* alt_stack, size_t alt_size) {
    stack_t ss{};
    ss.ss_sp = alt_stack;
    ss.ss_size = alt_size;
    if (sigaltstack(&ss, nullptr) < 0) return errno;
    KernelSigaction action{};
    action.handler = on_trap;
    action.flags = SA_SIGINFO | SA_ONSTACK | 0x04000000 /* SA_RESTORER */;
    action.restorer = sf_sandbox_restorer;
    action.mask = ~0ull; // nothing interrupts the handler: an interruption waits for the guest
    for (int signo : kTrapSignals)
        if (syscall(SYS_rt_sigaction, signo, &action, nullptr, sizeof action.mask) < 0) return errno;
    sigset_t unblock;
    sigemptyset(&unblock);
    for (int signo : kTrapSignals)
        sigaddset(&unblock, signo);
    return sigprocmask(SIG_UNBLOCK, &unblock, nullptr) < 0 ? errno : 0;
}

// Allows `nr` only from the instruction before `site` (the kernel reports the
// address after `syscall`), else falls through to the next check.
void allow_from(sock_filter*& f, uint32_t nr, const void* site, bool channel_only) {
    const uint64_t ip = reinterpret_cast<uint64_t>(site);
    const uint8_t checks = channel_only ? 8 : 6; // instructions after the nr test
    *f++ = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
    *f++ = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, checks);
    *f++ = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, instruction_pointer));
    *f++ =
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(ip), 0, static_cast<uint8_t>(checks - 2));
    *f++ = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, instruction_pointer) + 4);
    *f++ = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(ip >> 32), 0,
                    static_cast<uint8_t>(checks - 4));
    if (channel_only) {
        *f++ = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0]));
        *f++ = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kChannel, 0, 1);
    }
    *f++ = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    *f++ = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
}

int install_filter() {
    sock_filter program[64];
    sock_filter* f = program;
    *f++ = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
    *f++ = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    *f++ = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
    allow_from(f, SYS_read, sf_sandbox_syscall_site, true);
    allow_from(f, SYS_write, sf_sandbox_syscall_site, true);
    allow_from(f, SYS_exit_group, sf_sandbox_syscall_site, false);
    allow_from(f, SYS_rt_sigreturn, sf_sandbox_restorer_site, false);
    *f++ = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
    sock_fprog prog{static_cast<unsigned short>(f - program), program};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return errno;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0 ? errno : 0;
}

// Receives the setup message and the memfd; 0 or an errno.
int receive_setup(sf_sandbox_setup& setup, int& memfd) {
    iovec iov{&setup, sizeof setup};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(kChannel, &msg, MSG_CMSG_CLOEXEC);
    if (n == 0) die(0); // the monitor let go of a pooled sandbox
    if (n != sizeof setup) return EPROTO;
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    if (cmsg == nullptr || cmsg->cmsg_type != SCM_RIGHTS || cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
        return EPROTO;
    memcpy(&memfd, CMSG_DATA(cmsg), sizeof memfd);
    if (setup.magic != SF_SANDBOX_MAGIC || setup.version != SF_SANDBOX_VERSION) return EPROTO;
    if (setup.mem_size % kPage != 0 || setup.mem_size < 2 * kPage || setup.mem_size > kMaxMem) return EINVAL;
    if (setup.region_count == 0 || setup.region_count > SF_SANDBOX_MAX_REGIONS) return EINVAL;
    uint64_t next = 0;
    for (uint32_t i = 0; i < setup.region_count; ++i) {
        const sf_sandbox_region& r = setup.regions[i];
        if (r.gpa != next || r.len % kPage != 0 || r.len == 0 || r.len > setup.mem_size - r.gpa ||
            r.perms > 7)
            return EINVAL;
        next = r.gpa + r.len;
    }
    return next == setup.mem_size ? 0 : EINVAL;
}

int protection(uint32_t perms) {
    return ((perms & 4) ? PROT_READ : 0) | ((perms & 2) ? PROT_WRITE : 0) | ((perms & 1) ? PROT_EXEC : 0);
}

// Maps guest memory at its guest addresses; page 0 stays unmapped (mmap_min_addr).
int map_guest(const sf_sandbox_setup& setup, int memfd) {
    void* at = mmap(reinterpret_cast<void*>(kPage), setup.mem_size - kPage, PROT_NONE,
                    MAP_SHARED | MAP_FIXED_NOREPLACE, memfd, kPage);
    if (at == MAP_FAILED) return errno;
    if (at != reinterpret_cast<void*>(kPage)) return EEXIST;
    for (uint32_t i = 0; i < setup.region_count; ++i) {
        const sf_sandbox_region& r = setup.regions[i];
        const uint64_t from = r.gpa < kPage ? kPage : r.gpa, end = r.gpa + r.len;
        if (end <= from) continue;
        void* start = reinterpret_cast<void*>(from);
        const int rc =
            r.perms == 0 ? munmap(start, end - from) : mprotect(start, end - from, protection(r.perms));
        if (rc < 0) return errno;
    }
    return close(memfd) < 0 ? errno : 0;
}

int limit(int resource, rlim_t value) {
    rlimit lim{value, value};
    return setrlimit(resource, &lim) < 0 ? errno : 0;
}

} // namespace

int main() {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) return 1;
    syscall(SYS_close_range, kChannel + 1, ~0u, 0);
    prctl(PR_SET_DUMPABLE, 0);
    sf_sandbox_setup setup;
    int memfd = -1;
    if (int err = receive_setup(setup, memfd)) setup_failed(err);
    if (int err = map_guest(setup, memfd)) setup_failed(err);
    static constexpr size_t kAltStack = 64 << 10;
    void* alt = mmap(nullptr, kAltStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (alt == MAP_FAILED) setup_failed(errno);
    if (int err = install_handlers(alt, kAltStack)) setup_failed(err);
    for (int resource : {RLIMIT_CORE, RLIMIT_NPROC})
        if (int err = limit(resource, 0)) setup_failed(err);
    if (int err = limit(RLIMIT_NOFILE, kChannel + 1)) setup_failed(err);
    if (int err = install_filter()) setup_failed(err);
    // Into the handler: it reports READY and enters the guest with the registers the monitor sends.
    asm volatile("ud2");
    die(1);
}
