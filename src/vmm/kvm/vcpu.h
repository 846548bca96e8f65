// superfluid monitor: Vcpu, one KVM virtual CPU and its shared kvm_run page.
//
// run() enters the guest once and returns at the next exit. It can be
// interrupted from a signal handler on the running thread with
// interrupt_current_thread(), which sets immediate_exit, so a signal landing
// inside run() just before KVM_RUN is not lost. A signal landing outside run()
// is ignored: senders repeat until the driver sees it (see foreground.cpp).
//
// Threading: a Vcpu is used by one thread at a time.
//
// Snapshots: after an I/O exit, KVM completes the `out` instruction (moves
// RIP past it) only on the next KVM_RUN. complete_pending_exit() does that
// without running guest code; call it before reading the state to save.
#pragma once

#include "common/mapping.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/vm.h"

#include <linux/kvm.h>

namespace sf::vmm {

class Vcpu {
  public:
    static Result<Vcpu> create(const Kvm& kvm, const Vm& vm);

    enum class RunStatus { Exit, Interrupted };
    // Runs until the next exit (RunStatus::Exit, details in state()) or until
    // interrupted. Errors are host failures of KVM_RUN itself.
    Result<RunStatus> run();
    // Async-signal-safe: makes the vCPU running (or about to run) on the calling
    // thread return RunStatus::Interrupted.
    static void interrupt_current_thread();

    kvm_run& state() const { return *run_.as<kvm_run>(); }

    Result<kvm_regs> regs() const;
    Result<void> set_regs(const kvm_regs& regs);
    Result<kvm_sregs> sregs() const;
    Result<void> set_sregs(const kvm_sregs& sregs);
    // The virtual TSC frequency in Hz.
    Result<uint64_t> tsc_hz() const;

    // Enters KVM_RUN once with immediate_exit = 1: KVM finishes the
    // instruction of the last exit (a hypercall's `out`) and returns at once
    // (EINTR) without running guest code. Idempotent; harmless on a vCPU that
    // never ran or whose last run was interrupted. Precondition: no thread is
    // running this vCPU.
    [[nodiscard]] Result<void> complete_pending_exit();

    // One ioctl on the vCPU fd, for the architecture's state code
    // (x86_64/vcpu_state_x86_64.cpp); errors name `what`.
    [[nodiscard]] Result<void> ioctl(unsigned long request, void* arg, const char* what) const;
    // The same, returning the ioctl's non-negative result.
    [[nodiscard]] Result<int> ioctl_value(unsigned long request, unsigned long arg, const char* what) const;

  private:
    Vcpu(UniqueFd fd, Mapping run) : fd_(std::move(fd)), run_(std::move(run)) {}
    UniqueFd fd_;
    Mapping run_;
};

} // namespace sf::vmm
