// superfluid monitor: the hypercall table.
#include "vmm/hypercalls/hypercalls.h"

#include "superfluid/abi.h"

#include <array>
#include <fmt/format.h>

namespace sf::vmm {
namespace {

using Handler = HypercallResult (*)(HypercallContext&, uint64_t);

constexpr std::array<Handler, SF_HC_COUNT> kTable = [] {
    std::array<Handler, SF_HC_COUNT> table{};
    table[SF_HC_CONSOLE_WRITE] = hypercall_console_write;
    table[SF_HC_CLOCK] = hypercall_clock;
    table[SF_HC_POLL] = hypercall_poll;
    table[SF_HC_EXIT] = hypercall_exit;
    table[SF_HC_NET_ATTACH] = hypercall_net_attach;
    table[SF_HC_NET_KICK] = hypercall_net_kick;
    table[SF_HC_STORE] = hypercall_store;
    return table;
}();

} // namespace

HypercallResult dispatch_hypercall(HypercallContext& ctx, uint32_t number, uint64_t arg_gpa) {
    if (number >= kTable.size() || kTable[number] == nullptr)
        return HypercallResult::fault(fmt::format("unknown hypercall {}", number));
    return kTable[number](ctx, arg_gpa);
}

HypercallResult bad_argument_struct(const char* name, uint64_t arg_gpa, const GuestMemory& memory) {
    return HypercallResult::fault(fmt::format("hypercall {}: argument struct at {:#x} is outside the guest's "
                                              "memory [{:#x}, {:#x}) or misaligned",
                                              name, arg_gpa, SF_GUEST_BASE_GPA, memory.size()));
}

} // namespace sf::vmm
