// superfluid worker: moving frames between sfd's switches and the NICs.
#include "host/worker/frame_port.h"

#include "net/frame_channel.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sf::host {

FramePort::FramePort(int fd, Scheduler& scheduler) : fd_(fd), scheduler_(scheduler) {}

FramePort::~FramePort() {
    stopping_ = true;
    if (reader_.joinable()) reader_.join();
}

void FramePort::start() {
    if (fd_ >= 0) reader_ = std::thread([this] { read_loop(); });
}

void FramePort::replace_channel(UniqueFd fd) {
    stopping_ = true;
    if (reader_.joinable()) reader_.join();
    if (fd_ < 0)
        fd_ = fd.release();
    else
        ::dup2(fd.get(), fd_); // keeps O_CLOEXEC off the old number; nothing is exec'd by a worker
    stopping_ = false;
    start();
}

void FramePort::add(uint32_t port, std::shared_ptr<vmm::Nic> nic, std::weak_ptr<WorkerGuest> guest) {
    std::lock_guard lock(mutex_);
    ports_[port] = Entry{std::move(nic), std::move(guest), false, {}};
}

void FramePort::remove(uint32_t port) {
    std::lock_guard lock(mutex_);
    auto it = ports_.find(port);
    if (it == ports_.end()) return;
    for (const std::vector<uint8_t>& frame : it->second.kept) {
        if (send(port, frame, net::frames::kReturned))
            ++returned_;
        else
            ++rx_dropped_;
    }
    ports_.erase(it);
}

void FramePort::hold(uint32_t port) {
    std::lock_guard lock(mutex_);
    if (auto it = ports_.find(port); it != ports_.end()) it->second.held = true;
}

void FramePort::release(uint32_t port) {
    std::shared_ptr<WorkerGuest> guest;
    {
        std::lock_guard lock(mutex_);
        auto it = ports_.find(port);
        if (it == ports_.end() || !it->second.held) return;
        Entry& entry = it->second;
        entry.held = false;
        for (const std::vector<uint8_t>& frame : entry.kept) {
            if (entry.nic->deliver(frame))
                ++rx_frames_;
            else
                ++rx_dropped_;
        }
        if (!entry.kept.empty()) guest = entry.guest.lock();
        entry.kept.clear();
    }
    if (guest) scheduler_.notify(guest);
}

bool FramePort::send(uint32_t port, std::span<const uint8_t> frame, uint16_t flags) {
    if (fd_ < 0) return false;
    Result<net::frames::SendStatus> sent = net::frames::send_frame(fd_, port, frame, flags);
    return sent && *sent == net::frames::SendStatus::Sent;
}

void FramePort::transmit(uint32_t port, std::span<const uint8_t> frame) {
    if (send(port, frame, 0))
        ++tx_frames_;
    else
        ++tx_dropped_;
}

void FramePort::deliver(uint32_t port, std::span<const uint8_t> frame) {
    std::shared_ptr<WorkerGuest> guest;
    {
        std::lock_guard lock(mutex_);
        auto it = ports_.find(port);
        if (it != ports_.end() && it->second.held) {
            if (it->second.kept.size() < kMaxHeldFrames) {
                it->second.kept.emplace_back(frame.begin(), frame.end());
                ++held_;
            } else {
                ++rx_dropped_;
            }
            return;
        }
        if (it == ports_.end() || !it->second.nic->deliver(frame)) {
            ++rx_dropped_;
            return;
        }
        guest = it->second.guest.lock();
    }
    ++rx_frames_;
    if (guest) scheduler_.notify(guest);
}

// Takes every packet queued before it waits again (one recv per frame while
// busy); polls with a timeout so the destructor's stop request is seen within 200 ms.
void FramePort::read_loop() {
    std::vector<uint8_t> packet(net::frames::kMaxPacket + 1);
    while (!stopping_) {
        const ssize_t n = ::recv(fd_, packet.data(), packet.size(), MSG_DONTWAIT);
        if (n == 0) return; // sfd closed its end
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) {
                std::fprintf(stderr, "sf-worker: frame channel: %s\n", std::strerror(errno));
                return;
            }
            pollfd pfd{fd_, POLLIN, 0};
            ::poll(&pfd, 1, 200);
            continue;
        }
        Result<net::frames::Frame> frame = net::frames::parse({packet.data(), static_cast<size_t>(n)});
        if (!frame) {
            ++rx_dropped_;
            continue;
        }
        deliver(frame->port, frame->bytes);
    }
}

nlohmann::json FramePort::stats() const {
    size_t ports;
    {
        std::lock_guard lock(mutex_);
        ports = ports_.size();
    }
    return {{"rx_frames", rx_frames_.load()},
            {"rx_dropped", rx_dropped_.load()},
            {"tx_frames", tx_frames_.load()},
            {"tx_dropped", tx_dropped_.load()},
            {"held", held_.load()},
            {"returned", returned_.load()},
            {"ports", ports}};
}

} // namespace sf::host
