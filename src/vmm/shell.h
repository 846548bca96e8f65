// superfluid monitor: Shell, a pre-created empty guest (KVM VM and vCPU).
//
// Creating a VM and its vCPU is two thirds of a cold boot (see
// bench/README.md), so the toolstack keeps a pool of shells ready: a guest is
// then built by giving a shell its memory, loading it and starting it.
// A shell is used once. It holds two file descriptors.
#pragma once

#include "common/result.h"
#include "vmm/kvm.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

namespace sf::vmm {

struct Shell {
    Vm vm;
    Vcpu vcpu;

    static Result<Shell> create(const Kvm& kvm);
};

} // namespace sf::vmm
