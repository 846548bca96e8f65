// superfluid worker: FramePort, the worker's end of the frame channel to
// sfd's switches (net/frame_channel.h).
//
// Frames from the switch are placed in the addressed NIC's RX ring and the
// guest is woken (Scheduler::notify); frames a guest's NIC transmits go to
// the switch tagged with the NIC's port key. A frame for an unknown port, or
// one that does not fit (ring or socket buffer full), is dropped and counted.
//
// Threading: one reader thread of its own (started by start()); transmit(),
// add() and remove() from any thread. The reader holds the ports mutex while
// it delivers, so once remove() returns the NIC is never touched again.
#pragma once

#include "common/unique_fd.h"
#include "host/worker/scheduler.h"
#include "vmm/devices/nic.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace sf::host {

class FramePort {
  public:
    // `fd` may be -1: a worker without networking (frames are then dropped).
    FramePort(int fd, Scheduler& scheduler);
    ~FramePort();
    FramePort(const FramePort&) = delete;
    FramePort& operator=(const FramePort&) = delete;

    void start();
    // Switches to a restarted sfd's channel: the new descriptor takes the old
    // one's number (dup2), so transmit() never sees a closed descriptor, and
    // the reader starts again on it. Main thread only.
    void replace_channel(UniqueFd fd);
    void add(uint32_t port, std::shared_ptr<vmm::Nic> nic, std::weak_ptr<WorkerGuest> guest);
    void remove(uint32_t port);
    // TransmitFn of the NIC with this port key (runs on a runner thread).
    void transmit(uint32_t port, std::span<const uint8_t> frame);
    // {"rx_frames", "rx_dropped", "tx_frames", "tx_dropped", "ports"}
    nlohmann::json stats() const;

  private:
    struct Entry {
        std::shared_ptr<vmm::Nic> nic;
        std::weak_ptr<WorkerGuest> guest;
    };
    void read_loop();
    void deliver(uint32_t port, std::span<const uint8_t> frame);

    int fd_; // changes only from -1, in replace_channel()
    Scheduler& scheduler_;
    mutable std::mutex mutex_;
    std::unordered_map<uint32_t, Entry> ports_;
    std::atomic<uint64_t> rx_frames_{0}, rx_dropped_{0}, tx_frames_{0}, tx_dropped_{0};
    std::atomic<bool> stopping_{false};
    std::thread reader_;
};

} // namespace sf::host
