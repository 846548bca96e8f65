// superfluid monitor: the clock hypercall.
#include "superfluid/abi.h"
#include "vmm/hypercalls/hypercalls.h"

namespace sf::vmm {

HypercallResult hypercall_clock(HypercallContext& ctx, uint64_t arg_gpa) {
    auto* args = ctx.memory.guest_struct<sf_hc_clock>(arg_gpa, Access::Write);
    if (args == nullptr) return bad_argument_struct("clock", arg_gpa, ctx.memory);
    args->monotonic_ns = ctx.clock.now_ns();
    args->wall_ns = host_wall_ns();
    return HypercallResult::resume();
}

} // namespace sf::vmm
