// superfluid switch: PortPool, pre-created switch ports kept warm per network.
//
// The Superfluidity "pool of pre-created ports": attaching a NIC to a new
// guest must not wait for port creation. A warm port is a port of the
// network's L2Switch, added *disabled* (no frame in or out, not flooded to),
// locked to a MAC already taken from the host's MacAllocator, with its
// per-port host resource (the PortSink, e.g. a guest NIC's receive ring)
// already made by the SinkFactory. take() pops one and enables it: O(1).
// When the pool is empty take() creates a port on the spot ("cold") rather
// than fail or wait.
//
// Refill: with `background` a thread tops the pool up to `target` after
// every take() and release(); without it the owner calls refill(). Creation
// happens outside the pool's lock, so take() never waits for a refill.
//
// release() gives back a port taken from this pool: the port is removed from
// the switch and its MAC released (its sink may hold the old guest's state,
// so it is never handed to another guest); the refill makes a fresh one.
//
// make_for() makes one port outside the pool ("given") for a MAC and sink
// the caller chooses: a guest that keeps its NIC across an sfd restart gets
// back exactly its MAC and its sink's identity. drop_warm() removes a warm
// port holding a MAC such a guest needs (warm ports are interchangeable).
//
// The uplink TAP is one per network and is not a pool port.
//
// Ownership: the L2Switch and MacAllocator must outlive the pool. The
// destructor stops the refiller and removes the warm (not taken) ports.
// Threading: every method may be called from any thread.
#pragma once

#include "net/l2_switch.h"
#include "net/mac_allocator.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>

namespace sf::net {

struct PoolPort {
    PortId port = 0;
    MacAddress mac;
    std::shared_ptr<PortSink> sink;
};

struct PortPoolStats {
    size_t ready = 0, target = 0;
    uint64_t taken_warm = 0, taken_cold = 0, made_for = 0, dropped_warm = 0, released = 0, refill_errors = 0;
    std::string last_error;
};

// Makes the per-port resource of a port that will carry `mac`.
using SinkFactory = std::function<Result<std::shared_ptr<PortSink>>(MacAddress mac)>;

class PortPool {
  public:
    // Fills the pool to `target` before returning (errors: the first failure).
    static Result<std::unique_ptr<PortPool>> create(L2Switch& l2_switch, MacAllocator& macs,
                                                    SinkFactory factory, size_t target, bool background);
    ~PortPool();
    PortPool(const PortPool&) = delete;
    PortPool& operator=(const PortPool&) = delete;

    // An enabled port with its MAC and sink; warm when one is ready. The
    // refill starts at once; with `Refill::Later` it holds off (no port is
    // started, one being made is finished) until the matching wake_refill():
    // for an owner that sets the port up first and shares a kernel lock with
    // the refill's creation (container NICs: rtnl). Every take(Refill::Later),
    // failed or not, must be followed by exactly one wake_refill().
    enum class Refill { Now, Later };
    Result<PoolPort> take(Refill refill = Refill::Now);
    void wake_refill();
    // An enabled port locked to `mac` with `sink`, made now and counted as
    // taken from this pool (release() it like any other). Claims `mac` in the
    // MacAllocator: InvalidArgument if it is not unicast or there is no sink,
    // Conflict if it is in use (a warm port holding it: see drop_warm). On an
    // error nothing is left claimed. The sink factory is not called.
    Result<PoolPort> make_for(MacAddress mac, std::shared_ptr<PortSink> sink);
    // Removes the warm (not taken) port locked to `mac`, if there is one, and
    // releases its MAC; true if there was. The pool is refilled at the next
    // take() or release() (or refill()), not at once. A port refill() is
    // creating at that moment is not seen.
    bool drop_warm(MacAddress mac);
    // NotFound if the port is not in the switch any more.
    Result<void> release(const PoolPort& port);
    // Creates warm ports until `target` are ready (the background thread's
    // work); stops early while a take(Refill::Later) holds the refill off.
    Result<void> refill();
    void set_target(size_t target);
    PortPoolStats stats() const;

  private:
    PortPool(L2Switch& l2_switch, MacAllocator& macs, SinkFactory factory, size_t target);
    Result<PoolPort> create_port(bool enabled);
    Result<PoolPort> add_locked_port(MacAddress mac, std::shared_ptr<PortSink> sink, bool enabled);
    size_t missing() const;
    void refill_loop();

    L2Switch& switch_;
    MacAllocator& macs_;
    const SinkFactory factory_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<PoolPort> ready_;
    size_t target_;
    size_t in_flight_ = 0; // ports being created by refill()
    size_t held_off_ = 0;  // take(Refill::Later)s not yet followed by wake_refill()
    PortPoolStats counters_;
    bool stopping_ = false;
    std::thread refiller_;
};

} // namespace sf::net
