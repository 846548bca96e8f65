// superfluid monitor: Vm, one KVM virtual machine (its fd and memory slot).
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "vmm/guest_memory.h"
#include "vmm/kvm.h"

namespace sf::vmm {

class Vm {
  public:
    static Result<Vm> create(const Kvm& kvm);

    // Maps `memory` at guest-physical 0 in slot 0. The memory must outlive the Vm.
    Result<void> set_memory(const GuestMemory& memory);

    int fd() const { return fd_.get(); }

  private:
    explicit Vm(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

} // namespace sf::vmm
