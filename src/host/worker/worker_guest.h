// superfluid worker: WorkerGuest, one guest as a worker holds it.
//
// Owns the vmm::Guest (while it lives), its console ring and its run state.
// It is the guest's ConsoleSink: console bytes go to the ring, the first one
// is reported as an event, and they are forwarded while someone follows.
//
// Threading: the run-state fields are guarded by the Scheduler's mutex; the
// console by the guest's own mutex (write() runs on a runner thread).
#pragma once

#include "common/result.h"
#include "host/worker/console_log.h"
#include "host/worker/console_ring.h"
#include "host/worker_api.h"
#include "vmm/console_sink.h"
#include "vmm/guest.h"
#include "vmm/thread_alarm.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace sf::host {

// Where a worker's guests report to (the control socket to sfd).
class EventSink {
  public:
    virtual ~EventSink() = default;
    virtual void guest_event(uint64_t id, const worker_api::GuestEvent& event) = 0;
    virtual void guest_console(uint64_t id, std::string_view bytes) = 0;
};

enum class RunState { Created, Runnable, Running, Blocked, Paused, Exited, Crashed };

class WorkerGuest final : public vmm::ConsoleSink {
  public:
    WorkerGuest(uint64_t id, size_t ring_capacity, EventSink& events)
        : id_(id), ring_(ring_capacity), events_(events) {}

    uint64_t id() const { return id_; }
    void write(std::span<const uint8_t> bytes) override;
    std::string console_contents() const;
    // Also appends the console to this file (created if missing), which is
    // rotated past max_bytes (ConsoleLog).
    Result<void> open_log(const std::string& path, uint64_t max_bytes);
    uint64_t console_total() const;
    // Starts forwarding console bytes and returns what the ring holds, at
    // once: the bytes forwarded next are exactly those written after it.
    std::string follow();
    void unfollow();
    // The console as a Console record's payload, and back (ConsoleRing::save/load).
    // A restored console counts as having had its first output if it holds any.
    std::string save_console() const;
    Result<void> restore_console(std::string_view payload);

    // Run state, guarded by Scheduler's mutex.
    std::shared_ptr<vmm::Guest> vm; // shared: a save or migration may hold it too
    RunState state = RunState::Created;
    bool pause_requested = false;
    bool destroy_requested = false;
    bool io_pending = false;
    std::optional<uint32_t> port_key;   // its NIC's switch port (set at creation)                        //
                                        // notify() while not Blocked
    uint64_t generation = 0;            // invalidates queued wake-ups
    uint64_t blocked_until_host_ns = 0; // Blocked: when its poll's deadline passes
    std::optional<uint64_t> pending_wake_host_ns; // Paused while blocked: when it would have woken
    const vmm::ThreadAlarm* runner = nullptr;     // Running: the runner's alarm, to interrupt it

  private:
    const uint64_t id_;
    mutable std::mutex console_mutex_;
    ConsoleRing ring_;
    int followers_ = 0;
    std::optional<ConsoleLog> log_;
    bool first_output_seen_ = false;
    EventSink& events_;
};

// A guest being built (create, restore): its config (NIC made, store link
// open), NIC port and WorkerGuest, not registered yet (Worker::prepare_guest).
struct NewGuest {
    vmm::GuestConfig config;
    std::optional<uint32_t> port_key;
    std::shared_ptr<WorkerGuest> guest;
};

} // namespace sf::host
