// superfluid monitor: the exit hypercall.
#include "superfluid/abi.h"
#include "vmm/hypercalls/hypercalls.h"

namespace sf::vmm {

HypercallResult hypercall_exit(HypercallContext& ctx, uint64_t arg_gpa) {
    auto* args = ctx.memory.guest_struct<sf_hc_exit>(arg_gpa, Access::Read);
    if (args == nullptr) return bad_argument_struct("exit", arg_gpa, ctx.memory);
    return HypercallResult::exit(args->status);
}

} // namespace sf::vmm
