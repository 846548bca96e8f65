// sf-hostnet: HostNetLoop; see hostnet_loop.h.
#include "bench/net/hostnet_loop.h"

#include "sf/net/stack.h"

#include <poll.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace sf::bench {
namespace {

constexpr size_t kBatch = 64; // frames read before the stack's timers and the apps run

} // namespace

uint64_t monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

HostNetLoop::HostNetLoop(std::unique_ptr<TapDevice> tap, std::vector<HostApp> apps)
    : tap_(std::move(tap)), apps_(std::move(apps)), frame_(net::kMaxFrame + 64) {}

HostNetLoop::~HostNetLoop() = default;

Result<std::unique_ptr<HostNetLoop>>
HostNetLoop::create(std::unique_ptr<TapDevice> tap, const HostNetConfig& config, std::vector<HostApp> apps) {
    std::unique_ptr<HostNetLoop> loop(new HostNetLoop(std::move(tap), std::move(apps)));
    net::Config stack_config;
    std::memcpy(stack_config.mac, config.mac, sizeof stack_config.mac);
    stack_config.ip = config.stack_ip;
    stack_config.netmask = config.prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - config.prefix_len);
    stack_config.gateway = config.gateway;
    stack_config.send_frame = &HostNetLoop::send_frame;
    stack_config.send_ctx = loop->tap_.get();
    stack_config.defer_acks = true; // as the guests' NetIf: ACKs ride on the apps' replies
    loop->stack_ = std::make_unique<net::Stack>(stack_config);
    loop->stack_->poll(monotonic_ns());
    for (HostApp& app : loop->apps_)
        if (!app.start(*loop->stack_)) return error("{}: cannot start on the stack (ports taken?)", app.name);
    return loop;
}

void HostNetLoop::send_frame(void* ctx, const uint8_t* frame, size_t len) {
    static_cast<TapDevice*>(ctx)->write_frame(frame, len);
}

const net::Stats& HostNetLoop::stats() const {
    return stack_->stats();
}

int HostNetLoop::poll_timeout_ms(uint64_t now_ns) const {
    const uint64_t deadline = stack_->next_deadline_ns();
    if (deadline == UINT64_MAX) return 1000; // wake now and then to notice stop()
    if (deadline <= now_ns) return 0;
    const uint64_t ms = (deadline - now_ns + 999'999) / 1'000'000;
    return ms > 1000 ? 1000 : static_cast<int>(ms);
}

// Feeds up to kBatch waiting frames to the stack; returns how many.
Result<size_t> HostNetLoop::drain_tap(uint64_t now_ns) {
    size_t frames = 0;
    while (frames < kBatch) {
        SF_TRY_ASSIGN(size_t len, tap_->read_frame(frame_.data(), frame_.size()));
        if (len == 0) break;
        stack_->input(frame_.data(), len, now_ns);
        ++frames;
    }
    return frames;
}

Result<void> HostNetLoop::run() {
    pollfd pfd{tap_->fd(), POLLIN, 0};
    while (!stopping_) {
        stack_->flush_acks(); // what no reply carried goes before we wait
        const int ready = ::poll(&pfd, 1, poll_timeout_ms(monotonic_ns()));
        if (ready < 0 && errno != EINTR) return error("poll: {}", std::strerror(errno));
        const uint64_t now = monotonic_ns();
        if (ready > 0) SF_TRY(drain_tap(now));
        if (stack_->next_deadline_ns() <= now) stack_->poll(now);
        for (HostApp& app : apps_)
            app.service();
    }
    return ok();
}

} // namespace sf::bench
