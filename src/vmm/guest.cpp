// superfluid monitor: building a guest and its vCPU loop.
#include "vmm/guest.h"

#include "superfluid/abi.h"
#include "vmm/hypercalls/hypercalls.h"
#include "vmm/x86_64/boot_x86_64.h"

#include <arpa/inet.h>

#include <cstring>
#include <utility>

namespace sf::vmm {

Result<void> GuestConfig::validate() const {
    constexpr ErrorKind kBad = ErrorKind::InvalidArgument;
    if (name.size() >= SF_NAME_MAX)
        return error(kBad, "guest name is {} bytes; the maximum is {}", name.size(), SF_NAME_MAX - 1);
    if (cmdline.size() >= SF_CMDLINE_MAX)
        return error(kBad, "command line is {} bytes; the maximum is {}", cmdline.size(), SF_CMDLINE_MAX - 1);
    if (nics.size() > SF_NIC_MAX)
        return error(kBad, "{} NICs; a guest has at most {}", nics.size(), SF_NIC_MAX);
    if (name.find('\0') != std::string::npos || cmdline.find('\0') != std::string::npos)
        return error(kBad, "guest name and command line must not contain NUL bytes");
    return GuestMemory::check_size(mem_size);
}

Guest::Guest(GuestConfig config, GuestMemory memory, Shell shell, ConsoleSink& console)
    : config_(std::move(config)), memory_(std::move(memory)), cpu_(std::move(shell.cpu)), console_(console) {}

Result<std::unique_ptr<Guest>> Guest::create(std::shared_ptr<const Backend> backend, const Image& image,
                                             const GuestConfig& config, ConsoleSink& console) {
    SF_TRY(config.validate());
    SF_TRY(image.fits(config.mem_size, SF_STACK_SIZE + SF_PAGE_SIZE));
    SF_TRY_ASSIGN(GuestMemory memory, GuestMemory::create(config.mem_size, backend->memory_sharing()));
    SF_TRY(x86_64::build_address_space(memory.monitor_bytes(), memory.size(), image));
    image.load_into(memory.monitor_bytes());
    memory.set_layout(x86_64::guest_layout(memory.size(), image));
    SF_TRY_ASSIGN(Shell shell, Shell::create(*backend));
    return assemble(std::move(shell), std::move(memory), image.entry(), config, console);
}

Result<std::unique_ptr<Guest>> Guest::create(Shell shell, MemorySharing sharing,
                                             const MemoryTemplate& memory_template, const GuestConfig& config,
                                             ConsoleSink& console) {
    SF_TRY(config.validate());
    if (config.mem_size != memory_template.mem_size())
        return error("internal: a {} byte template for a {} byte guest", memory_template.mem_size(),
                     config.mem_size);
    SF_TRY_ASSIGN(GuestMemory memory, memory_template.instantiate(sharing));
    return assemble(std::move(shell), std::move(memory), memory_template.entry(), config, console);
}

Result<std::unique_ptr<Guest>> Guest::assemble(Shell shell, GuestMemory memory, uint64_t entry,
                                               const GuestConfig& config, ConsoleSink& console) {
    SF_TRY(shell.cpu->attach_memory(memory));
    std::unique_ptr<Guest> guest(new Guest(config, std::move(memory), std::move(shell), console));
    SF_TRY_ASSIGN(uint64_t tsc_hz, guest->cpu_->tsc_hz());
    guest->write_boot_info(tsc_hz);
    SF_TRY(guest->cpu_->reset(entry, guest->memory_.size(), SF_BOOT_INFO_GPA));
    guest->clock_ = GuestClock();
    return guest;
}

void Guest::write_boot_info(uint64_t tsc_hz) {
    auto* info = reinterpret_cast<sf_boot_info*>(memory_.host_base() + SF_BOOT_INFO_GPA);
    info->abi_version = SF_ABI_VERSION;
    info->mem_size = memory_.size();
    info->tsc_hz = tsc_hz;
    info->guest_id = config_.id;
    std::memcpy(info->name, config_.name.data(), config_.name.size());
    std::memcpy(info->cmdline, config_.cmdline.data(), config_.cmdline.size());
    info->nic_count = static_cast<uint32_t>(config_.nics.size());
    for (size_t i = 0; i < config_.nics.size(); ++i) {
        const NicConfig& nic = config_.nics[i]->config();
        sf_nic_info& out = info->nics[i];
        std::memcpy(out.mac, nic.mac.data(), sizeof(out.mac));
        out.mtu = nic.mtu;
        out.ipv4_addr = htonl(nic.ipv4_addr);
        out.ipv4_mask = htonl(nic.ipv4_mask);
        out.ipv4_gw = htonl(nic.ipv4_gw);
    }
}

Guest::~Guest() {
    for (const auto& nic : config_.nics)
        nic->detach();
}

// A guest parked in poll resumes after its `out`: tell it which NICs have
// frames and whether store events wait now (the value written when it blocked was 0). A wake-up with
// nothing ready before the deadline is spurious (a stale notification):
// the guest stays parked, since ready_set 0 means "deadline passed".
std::optional<RunOutcome> Guest::finish_poll() {
    const BlockedPoll poll = *std::exchange(blocked_poll_, std::nullopt);
    const uint64_t ready = nic_ready_set(config_.nics) | store_ready_set(config_.store.get());
    if (ready == 0 && clock_.now_ns() < poll.deadline) {
        blocked_poll_ = poll;
        return RunOutcome{RunOutcome::Kind::Blocked, 0, poll.deadline, {}};
    }
    if (auto* args = memory_.guest_struct<sf_hc_poll>(poll.gpa, Access::Write)) args->ready_set = ready;
    return std::nullopt;
}

Result<RunOutcome> Guest::run() {
    if (finished_) return error("guest '{}' has already ended", config_.name);
    if (blocked_poll_) {
        if (std::optional<RunOutcome> still = finish_poll()) return std::move(*still);
    }
    for (;;) {
        SF_TRY_ASSIGN(CpuExit exit, cpu_->run());
        if (exit.kind == CpuExit::Kind::Interrupted) return RunOutcome{};
        if (exit.kind == CpuExit::Kind::Fault) {
            finished_ = true;
            return RunOutcome{RunOutcome::Kind::Faulted, 0, 0, std::move(exit.fault)};
        }
        std::optional<RunOutcome> outcome = handle_io(exit.io);
        if (!outcome) continue;
        finished_ = outcome->kind == RunOutcome::Kind::Exited || outcome->kind == RunOutcome::Kind::Faulted;
        if (outcome->kind == RunOutcome::Kind::Faulted) {
            SF_TRY_ASSIGN(uint64_t rip, cpu_->rip());
            outcome->reason += fmt::format(" at rip={:#x}", rip);
        }
        return std::move(*outcome);
    }
}

// Handles a port I/O exit: a hypercall, or a fault. nullopt: resume the guest.
std::optional<RunOutcome> Guest::handle_io(const IoAccess& io) {
    const bool hypercall = io.out && io.size == 4 && io.count == 1 && io.port >= SF_HYPERCALL_PORT_BASE &&
                           io.port < SF_HYPERCALL_PORT_BASE + SF_HC_COUNT;
    if (!hypercall) {
        return RunOutcome{RunOutcome::Kind::Faulted, 0, 0,
                          fmt::format("{} of {} byte(s) on I/O port {:#x}, which is not a hypercall",
                                      io.out ? "out" : "in", io.size, io.port)};
    }
    const uint32_t arg_gpa = io.value;
    HypercallContext ctx{memory_, clock_, console_, config_.nics, config_.store.get()};
    HypercallResult result = dispatch_hypercall(ctx, io.port - SF_HYPERCALL_PORT_BASE, arg_gpa);
    switch (result.action) {
    case HypercallResult::Action::Continue: return std::nullopt;
    case HypercallResult::Action::Block:
        blocked_poll_ = BlockedPoll{arg_gpa, result.deadline_ns};
        return RunOutcome{RunOutcome::Kind::Blocked, 0, result.deadline_ns, {}};
    case HypercallResult::Action::Exit: return RunOutcome{RunOutcome::Kind::Exited, result.status, 0, {}};
    case HypercallResult::Action::Fault: break;
    }
    return RunOutcome{RunOutcome::Kind::Faulted, 0, 0, std::move(result.reason)};
}

} // namespace sf::vmm
