// sf-hostnet: a TAP device (IFF_TAP | IFF_NO_PI) configured for one test
// network: the host side gets an IPv4 address and comes up, with IPv6
// disabled so that the only frames on it are the test's own.
//
// The device is not persistent: it disappears when the descriptor is closed
// (the destructor). Needs CAP_NET_ADMIN; meant to run inside a private
// network namespace (scripts/testns).
//
// Threading: one thread at a time.
#pragma once

#include "common/result.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sf::bench {

class TapDevice {
  public:
    // Creates TAP `name` (at most 15 bytes), non-blocking, and gives the host
    // side `host_ip`/`prefix_len` (host byte order), IPv6 off, link up.
    static Result<std::unique_ptr<TapDevice>> open(const std::string& name, uint32_t host_ip,
                                                   unsigned prefix_len);
    ~TapDevice();
    TapDevice(const TapDevice&) = delete;
    TapDevice& operator=(const TapDevice&) = delete;

    int fd() const { return fd_; }
    const std::string& name() const { return name_; }

    // One frame, or 0 when none is waiting (EAGAIN); an error otherwise.
    Result<size_t> read_frame(uint8_t* buf, size_t len);
    // Writes one frame; a full queue drops it (counted in dropped_writes()).
    void write_frame(const uint8_t* frame, size_t len);
    uint64_t dropped_writes() const { return dropped_writes_; }

  private:
    TapDevice(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
    Result<void> configure(uint32_t host_ip, unsigned prefix_len);

    int fd_ = -1;
    std::string name_;
    uint64_t dropped_writes_ = 0;
};

} // namespace sf::bench
