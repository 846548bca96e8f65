// superfluid monitor: Shell, a pre-created empty guest (a Cpu with no memory
// yet: a KVM VM and vCPU, or a waiting sandbox process).
//
// Creating one is most of a cold boot (see bench/README.md), so the toolstack
// keeps a pool of shells ready: a guest is then built by giving a shell its
// memory, loading it and starting it. A shell is used once. It holds two file
// descriptors.
#pragma once

#include "common/result.h"
#include "vmm/backend.h"

#include <memory>

namespace sf::vmm {

struct Shell {
    std::unique_ptr<Cpu> cpu;

    static Result<Shell> create(const Backend& backend);
};

} // namespace sf::vmm
