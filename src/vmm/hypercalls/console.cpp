// superfluid monitor: the console_write hypercall.
#include "superfluid/abi.h"
#include "vmm/hypercalls/hypercalls.h"

#include <fmt/format.h>

namespace sf::vmm {

HypercallResult hypercall_console_write(HypercallContext& ctx, uint64_t arg_gpa) {
    auto* args = ctx.memory.guest_struct<sf_hc_console_write>(arg_gpa, Access::Write);
    if (args == nullptr) return bad_argument_struct("console_write", arg_gpa, ctx.memory);
    const uint64_t data = args->data, len = args->len;
    if (len > SF_CONSOLE_WRITE_MAX)
        return HypercallResult::fault(fmt::format("hypercall console_write: length {} exceeds the maximum {}",
                                                  len, SF_CONSOLE_WRITE_MAX));
    auto bytes = ctx.memory.guest_span(data, len, Access::Read);
    if (!bytes)
        return HypercallResult::fault(
            fmt::format("hypercall console_write: buffer [{:#x}, +{}) is outside the "
                        "guest's memory [{:#x}, {:#x})",
                        data, len, SF_GUEST_BASE_GPA, ctx.memory.size()));
    ctx.console.write(*bytes);
    args->ret = static_cast<int64_t>(len);
    return HypercallResult::resume();
}

} // namespace sf::vmm
