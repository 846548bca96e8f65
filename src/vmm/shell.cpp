// superfluid monitor: shells.
#include "vmm/shell.h"

namespace sf::vmm {

Result<Shell> Shell::create(const Backend& backend) {
    SF_TRY_ASSIGN(std::unique_ptr<Cpu> cpu, backend.create_cpu());
    return Shell{std::move(cpu)};
}

} // namespace sf::vmm
