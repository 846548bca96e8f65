// superfluid common: Mapping, an owned mmap region unmapped on destruction.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

namespace sf {

class Mapping {
  public:
    Mapping() = default;
    Mapping(void* addr, size_t size) : addr_(addr), size_(size) {}
    Mapping(Mapping&& other) noexcept
        : addr_(std::exchange(other.addr_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    Mapping& operator=(Mapping&& other) noexcept {
        if (this != &other) {
            reset();
            addr_ = std::exchange(other.addr_, nullptr);
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping() { reset(); }

    uint8_t* data() const { return static_cast<uint8_t*>(addr_); }
    size_t size() const { return size_; }
    std::span<uint8_t> bytes() const { return {data(), size_}; }
    template <typename T> T* as() const { return static_cast<T*>(addr_); }

    void reset() {
        if (addr_ != nullptr) ::munmap(addr_, size_);
        addr_ = nullptr;
        size_ = 0;
    }

  private:
    void* addr_ = nullptr;
    size_t size_ = 0;
};

} // namespace sf
