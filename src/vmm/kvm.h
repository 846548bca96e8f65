// superfluid monitor: Kvm, the open /dev/kvm device.
//
// One Kvm serves every VM of a process. It is read-only after open() and may
// be shared across threads.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <linux/kvm.h>

#include <memory>
#include <string>

namespace sf::vmm {

class Kvm {
  public:
    static constexpr const char* kDefaultDevice = "/dev/kvm";

    // Opens the device and checks the API version and the capabilities the
    // monitor relies on. Errors name the device and say what to do.
    static Result<std::shared_ptr<const Kvm>> open(const std::string& device = kDefaultDevice);

    int fd() const { return fd_.get(); }
    // Size of the kvm_run mapping of each vCPU.
    size_t vcpu_mmap_size() const { return vcpu_mmap_size_; }

  private:
    Kvm() = default;
    Result<void> check_capabilities(const std::string& device);

    UniqueFd fd_;
    size_t vcpu_mmap_size_ = 0;
};

} // namespace sf::vmm
