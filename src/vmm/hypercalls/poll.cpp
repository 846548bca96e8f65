// superfluid monitor: the poll hypercall. The guest is parked, holding no
// thread, until its deadline; whoever drives the vCPU does the waiting.
#include "superfluid/abi.h"
#include "vmm/hypercalls/hypercalls.h"

namespace sf::vmm {

HypercallResult hypercall_poll(HypercallContext& ctx, uint64_t arg_gpa) {
    auto* args = ctx.memory.guest_struct<sf_hc_poll>(arg_gpa, Access::Write);
    if (args == nullptr) return bad_argument_struct("poll", arg_gpa, ctx.memory);
    args->ready_set = 0;
    args->ret = 0;
    const uint64_t deadline = args->deadline_ns;
    if (deadline <= ctx.clock.now_ns()) return HypercallResult::resume();
    return HypercallResult::block(deadline);
}

} // namespace sf::vmm
