// superfluid monitor: hypercall handlers, one file per area, dispatched by number.
//
// A handler runs on the vCPU thread while the guest is stopped in its `out`.
// It reads its argument struct only through the checked accessor
// (GuestMemory::guest_struct / guest_span), each field it checks once (a
// local copy, or copy_from_guest() of the struct: guest memory may change
// between two reads), and tells the loop what to do next.
// A guest mistake (bad pointer, bad length) is HypercallResult::fault with a
// reason; it ends that guest only.
#pragma once

#include "vmm/console_sink.h"
#include "vmm/devices/nic.h"
#include "vmm/devices/store_port.h"
#include "vmm/guest_clock.h"
#include "vmm/guest_memory.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace sf::vmm {

// What a handler may touch.
struct HypercallContext {
    const GuestMemory& memory;
    const GuestClock& clock;
    ConsoleSink& console;
    std::span<const std::shared_ptr<Nic>> nics; // index = NIC number
    StorePort* store = nullptr;                 // null: the guest has no store (-SF_ENODEV)
};

struct HypercallResult {
    enum class Action { Continue, Block, Exit, Fault };
    Action action = Action::Continue;
    uint64_t deadline_ns = 0; // Block: guest monotonic deadline
    int32_t status = 0;       // Exit
    std::string reason;       // Fault

    static HypercallResult resume() { return {}; }
    static HypercallResult block(uint64_t deadline) { return {Action::Block, deadline, 0, {}}; }
    static HypercallResult exit(int32_t status) { return {Action::Exit, 0, status, {}}; }
    static HypercallResult fault(std::string reason) { return {Action::Fault, 0, 0, std::move(reason)}; }
};

// Runs hypercall `number` with its argument struct at `arg_gpa`.
HypercallResult dispatch_hypercall(HypercallContext& ctx, uint32_t number, uint64_t arg_gpa);

// The handlers (one per file).
HypercallResult hypercall_console_write(HypercallContext& ctx, uint64_t arg_gpa);
HypercallResult hypercall_clock(HypercallContext& ctx, uint64_t arg_gpa);
HypercallResult hypercall_poll(HypercallContext& ctx, uint64_t arg_gpa);
HypercallResult hypercall_exit(HypercallContext& ctx, uint64_t arg_gpa);
HypercallResult hypercall_net_attach(HypercallContext& ctx, uint64_t arg_gpa);
HypercallResult hypercall_net_kick(HypercallContext& ctx, uint64_t arg_gpa);
HypercallResult hypercall_store(HypercallContext& ctx, uint64_t arg_gpa);

// Drains every attached NIC's TX ring; a fault result if a guest ring is corrupt.
std::optional<HypercallResult> kick_all_nics(HypercallContext& ctx);
// SF_POLL_NIC(i) for every NIC whose RX ring holds frames.
uint64_t nic_ready_set(std::span<const std::shared_ptr<Nic>> nics);
// SF_POLL_STORE if the guest has a store with watch events queued.
uint64_t store_ready_set(const StorePort* store);

// "NAME: argument struct at 0x... is outside the guest's memory or misaligned".
HypercallResult bad_argument_struct(const char* name, uint64_t arg_gpa, const GuestMemory& memory);

} // namespace sf::vmm
