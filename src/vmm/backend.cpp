// superfluid monitor: choosing and opening a backend.
#include "vmm/backend.h"

#include "vmm/kvm/kvm.h"
#include "vmm/kvm/vcpu.h"
#include "vmm/process/process_backend.h"
#include "vmm/process/process_cpu.h"

namespace sf::vmm {
namespace {

// KVM opened and able to make a VM with a vCPU (a nested KVM may open and still refuse).
Result<std::shared_ptr<const Backend>> open_kvm(const std::string& device) {
    SF_TRY_ASSIGN(std::shared_ptr<const Kvm> kvm, Kvm::open(device));
    SF_TRY(kvm->create_cpu());
    return std::shared_ptr<const Backend>(std::move(kvm));
}

Result<std::shared_ptr<const Backend>> open_process(const std::string& sandbox_path, bool probe) {
    SF_TRY_ASSIGN(std::shared_ptr<const ProcessBackend> backend, ProcessBackend::open(sandbox_path, probe));
    return std::shared_ptr<const Backend>(std::move(backend));
}

} // namespace

std::string_view backend_name(BackendKind kind) {
    return kind == BackendKind::Kvm ? "kvm" : "process";
}

std::string_view backend_choice_name(BackendChoice choice) {
    switch (choice) {
    case BackendChoice::Kvm: return "kvm";
    case BackendChoice::Process: return "process";
    case BackendChoice::Auto: break;
    }
    return "auto";
}

std::optional<BackendChoice> parse_backend_choice(std::string_view name) {
    if (name == "auto") return BackendChoice::Auto;
    if (name == "kvm") return BackendChoice::Kvm;
    if (name == "process") return BackendChoice::Process;
    return std::nullopt;
}

Result<std::shared_ptr<const Backend>> open_backend(const BackendOptions& options) {
    switch (options.choice) {
    case BackendChoice::Kvm: return open_kvm(options.kvm_device);
    case BackendChoice::Process: return open_process(options.sandbox_path, options.probe);
    case BackendChoice::Auto: break;
    }
    Result<std::shared_ptr<const Backend>> kvm = open_kvm(options.kvm_device);
    if (kvm) return kvm;
    Result<std::shared_ptr<const Backend>> process = open_process(options.sandbox_path, true);
    if (process) return process;
    return error(ErrorKind::Unavailable, "no backend can run guests here: {}; {}", kvm.error().message,
                 process.error().message);
}

void interrupt_current_cpu() {
    Vcpu::interrupt_current_thread();
    ProcessCpu::interrupt_current_thread();
}

} // namespace sf::vmm
