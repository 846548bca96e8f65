// superfluid monitor: the poll hypercall. It first sends what the NICs' TX
// rings hold; then, unless a NIC has frames waiting or store events are
// queued, the guest is parked, holding no thread, until its deadline or a
// frame or store event (whoever drives the vCPU
// does the waiting, and Guest::run() refreshes ready_set when it resumes).
#include "superfluid/abi.h"
#include "vmm/hypercalls/hypercalls.h"

namespace sf::vmm {

HypercallResult hypercall_poll(HypercallContext& ctx, uint64_t arg_gpa) {
    auto* args = ctx.memory.guest_struct<sf_hc_poll>(arg_gpa, Access::Write);
    if (args == nullptr) return bad_argument_struct("poll", arg_gpa, ctx.memory);
    if (auto fault = kick_all_nics(ctx)) return std::move(*fault);
    args->ready_set = nic_ready_set(ctx.nics) | store_ready_set(ctx.store);
    args->ret = 0;
    const uint64_t deadline = args->deadline_ns;
    if (args->ready_set != 0 || deadline <= ctx.clock.now_ns()) return HypercallResult::resume();
    return HypercallResult::block(deadline);
}

} // namespace sf::vmm
