// sf-hostnet: the host baseline of sf-bench net. Runs the guests' own IP
// stack (sfnet-host) and the guests' own apps on a TAP device, in one
// single-threaded event loop: "a host process doing the same work behind an
// equivalent TAP", minus virtualisation and the switch.
//
// The loop waits in poll(2) on the TAP until a frame arrives or the stack's
// next deadline passes; then it feeds every waiting frame (a batch) to the
// stack, runs its timers, and lets each app service its sockets, as a guest
// does after each batch of input.
//
// Threading: one thread; stop() may be called from a signal handler.
#pragma once

#include "bench/net/tap_device.h"

#include "common/result.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace sf::net {
class Stack;
struct Stats;
} // namespace sf::net

namespace sf::bench {

struct HostNetConfig {
    uint32_t stack_ip = 0; // host byte order
    unsigned prefix_len = 24;
    uint32_t gateway = 0; // the TAP's own address
    uint8_t mac[6] = {0x02, 0x53, 0x46, 0x00, 0x00, 0x02};
};

// An app on the stack: started once, serviced after every batch.
struct HostApp {
    const char* name;
    std::function<bool(net::Stack&)> start;
    std::function<void()> service;
};

class HostNetLoop {
  public:
    static Result<std::unique_ptr<HostNetLoop>>
    create(std::unique_ptr<TapDevice> tap, const HostNetConfig& config, std::vector<HostApp> apps);
    ~HostNetLoop();
    HostNetLoop(const HostNetLoop&) = delete;
    HostNetLoop& operator=(const HostNetLoop&) = delete;

    // Runs until stop() or a TAP error.
    Result<void> run();
    void stop() { stopping_ = true; }

    const net::Stats& stats() const;
    uint64_t dropped_writes() const { return tap_->dropped_writes(); }

  private:
    HostNetLoop(std::unique_ptr<TapDevice> tap, std::vector<HostApp> apps);
    Result<size_t> drain_tap(uint64_t now_ns);
    int poll_timeout_ms(uint64_t now_ns) const;
    static void send_frame(void* ctx, const uint8_t* frame, size_t len);

    std::unique_ptr<TapDevice> tap_;
    std::unique_ptr<net::Stack> stack_;
    std::vector<HostApp> apps_;
    std::vector<uint8_t> frame_;
    std::atomic<bool> stopping_{false};
};

// CLOCK_MONOTONIC in nanoseconds.
uint64_t monotonic_ns();

} // namespace sf::bench
