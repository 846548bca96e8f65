// superfluid monitor: Vcpu, one KVM virtual CPU and its shared kvm_run page.
//
// run() enters the guest once and returns at the next exit. It can be
// interrupted from a signal handler on the running thread with
// interrupt_current_thread(), which sets immediate_exit, so a signal landing
// inside run() just before KVM_RUN is not lost. A signal landing outside run()
// is ignored: senders repeat until the driver sees it (see foreground.cpp).
//
// Threading: a Vcpu is used by one thread at a time.
#pragma once

#include "common/mapping.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "vmm/kvm.h"
#include "vmm/vm.h"

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

  private:
    Vcpu(UniqueFd fd, Mapping run) : fd_(std::move(fd)), run_(std::move(run)) {}
    UniqueFd fd_;
    Mapping run_;
};

} // namespace sf::vmm
