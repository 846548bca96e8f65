// superfluid monitor: Kvm, the open /dev/kvm device: the KVM backend.
//
// One Kvm serves every VM of a process. It is read-only after open() and may
// be shared across threads.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "vmm/backend.h"

#include <linux/kvm.h>

#include <memory>
#include <string>

namespace sf::vmm {

class Kvm final : public Backend {
  public:
    static constexpr const char* kDefaultDevice = "/dev/kvm";

    // Opens the device and checks the API version and the capabilities the
    // monitor relies on. Errors name the device and say what to do.
    static Result<std::shared_ptr<const Kvm>> open(const std::string& device = kDefaultDevice);

    BackendKind kind() const override { return BackendKind::Kvm; }
    Result<std::unique_ptr<Cpu>> create_cpu() const override;
    MemorySharing memory_sharing() const override { return MemorySharing::Private; }
    std::string describe() const override;

    int fd() const { return fd_.get(); }
    // Size of the kvm_run mapping of each vCPU.
    size_t vcpu_mmap_size() const { return vcpu_mmap_size_; }

  private:
    Kvm() = default;
    Result<void> check_capabilities(const std::string& device);

    UniqueFd fd_;
    std::string device_;
    size_t vcpu_mmap_size_ = 0;
};

} // namespace sf::vmm
