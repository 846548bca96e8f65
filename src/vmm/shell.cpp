// superfluid monitor: shells.
#include "vmm/shell.h"

namespace sf::vmm {

Result<Shell> Shell::create(const Kvm& kvm) {
    SF_TRY_ASSIGN(Vm vm, Vm::create(kvm));
    SF_TRY_ASSIGN(Vcpu vcpu, Vcpu::create(kvm, vm));
    return Shell{std::move(vm), std::move(vcpu)};
}

} // namespace sf::vmm
