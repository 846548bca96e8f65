// superfluid monitor: the NIC hypercalls (net_attach, net_kick). The rings
// themselves are the Nic device's (vmm/devices/nic.h).
#include "superfluid/abi.h"
#include "vmm/hypercalls/hypercalls.h"

namespace sf::vmm {

HypercallResult hypercall_net_attach(HypercallContext& ctx, uint64_t arg_gpa) {
    auto* args = ctx.memory.guest_struct<sf_hc_net_attach>(arg_gpa, Access::Write);
    if (args == nullptr) return bad_argument_struct("net_attach", arg_gpa, ctx.memory);
    const uint32_t index = args->nic;
    args->ret = index < ctx.nics.size() ? ctx.nics[index]->attach(ctx.memory, args->rings) : -SF_ENODEV;
    return HypercallResult::resume();
}

HypercallResult hypercall_net_kick(HypercallContext& ctx, uint64_t arg_gpa) {
    auto* args = ctx.memory.guest_struct<sf_hc_net_kick>(arg_gpa, Access::Write);
    if (args == nullptr) return bad_argument_struct("net_kick", arg_gpa, ctx.memory);
    const uint32_t index = args->nic;
    if (index >= ctx.nics.size() || !ctx.nics[index]->attached()) {
        args->ret = -SF_ENODEV;
        return HypercallResult::resume();
    }
    Nic::KickResult kicked = ctx.nics[index]->kick();
    if (kicked.fault) return HypercallResult::fault(std::move(*kicked.fault));
    args->ret = static_cast<int64_t>(kicked.frames);
    return HypercallResult::resume();
}

std::optional<HypercallResult> kick_all_nics(HypercallContext& ctx) {
    for (const auto& nic : ctx.nics) {
        Nic::KickResult kicked = nic->kick();
        if (kicked.fault) return HypercallResult::fault(std::move(*kicked.fault));
    }
    return std::nullopt;
}

uint64_t nic_ready_set(std::span<const std::shared_ptr<Nic>> nics) {
    uint64_t ready = 0;
    for (size_t i = 0; i < nics.size(); ++i)
        if (nics[i]->rx_pending()) ready |= SF_POLL_NIC(i);
    return ready;
}

} // namespace sf::vmm
