// superfluid worker: FramePort, the worker's end of the frame channel to
// sfd's switches (net/frame_channel.h).
//
// Frames from the switch are placed in the addressed NIC's RX ring and the
// guest is woken (Scheduler::notify); frames a guest's NIC transmits go to
// the switch tagged with the NIC's port key. A frame for an unknown port, or
// one that does not fit (ring or socket buffer full), is dropped and counted.
//
// A migrating guest's port is held from its pause on: frames for it are kept
// in order instead of entering the RX ring, which the migration has copied.
// If the guest leaves, remove() gives them back to sfd marked kReturned, and
// sfd sends them to the guest's new host after the commit (the migration's
// Frames record); if it stays, release() puts them in the ring. Without this,
// a TCP segment that reached the source during the pause was lost and its
// sender waited for its retransmission timer (~200 ms) before trying again.
//
// Threading: one reader thread of its own (started by start()); transmit(),
// add(), remove(), hold() and release() from any thread. The reader holds the
// ports mutex while it delivers, so once remove() returns the NIC is never
// touched again.
#pragma once

#include "common/unique_fd.h"
#include "host/migration/held_frames.h"
#include "host/worker/scheduler.h"
#include "vmm/devices/nic.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_map>
#include <vector>

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
    // Forgets the port; the frames it held go back to sfd (kReturned).
    void remove(uint32_t port);
    // Keeps the port's frames (at most kMaxHeldFrames, ~3 ms of full frames at
    // 1 Gbit/s, what a migration's Frames record carries; later ones are dropped and
    // counted) instead of writing its RX ring; once it returns, the ring is not
    // written until release(). Unknown ports are ignored.
    void hold(uint32_t port);
    // Ends hold(): the kept frames enter the ring in order (as far as it has
    // room) and the guest is woken. A port not held: nothing happens.
    void release(uint32_t port);
    // TransmitFn of the NIC with this port key (runs on a runner thread).
    void transmit(uint32_t port, std::span<const uint8_t> frame);
    // {"rx_frames", "rx_dropped", "tx_frames", "tx_dropped", "held", "returned", "ports"}
    nlohmann::json stats() const;

  private:
    struct Entry {
        std::shared_ptr<vmm::Nic> nic;
        std::weak_ptr<WorkerGuest> guest;
        bool held = false;
        HeldFrames kept; // while held, oldest first
    };
    void read_loop();
    // One frame to sfd; false: dropped (no channel, or its buffer is full).
    bool send(uint32_t port, std::span<const uint8_t> frame, uint16_t flags);
    void deliver(uint32_t port, std::span<const uint8_t> frame);

    int fd_; // changes only from -1, in replace_channel()
    Scheduler& scheduler_;
    mutable std::mutex mutex_;
    std::unordered_map<uint32_t, Entry> ports_;
    std::atomic<uint64_t> rx_frames_{0}, rx_dropped_{0}, tx_frames_{0}, tx_dropped_{0}, held_{0},
        returned_{0};
    std::atomic<bool> stopping_{false};
    std::thread reader_;
};

} // namespace sf::host
