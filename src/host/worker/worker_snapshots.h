// superfluid worker: WorkerSnapshots, save and restore (docs/migration.md,
// "Worker operations"), and the guest part of a stream as both they and a
// migration (WorkerMigrations) write and read it.
//
// The Worker owns it; it owns nothing: the Worker's guests and parts it
// works on outlive it. Threading: its operations run on the LongOperations'
// threads, one per guest at a time, and use only what is safe from any
// thread (the Worker's guest functions, Scheduler, StoreLinks, ImageCache,
// ShellPool); a VM they read is held by shared_ptr, so it outlives its
// guest ending.
#pragma once

#include "common/result.h"
#include "host/worker/image_cache.h"
#include "host/worker/scheduler.h"
#include "host/worker/shell_pool.h"
#include "host/worker/store_link.h"
#include "host/worker/worker_guest.h"
#include "host/worker_api.h"

#include <chrono>
#include <memory>
#include <stop_token>

namespace sf::vmm::snapshot {
class Reader;
class Writer;
} // namespace sf::vmm::snapshot

namespace sf::host {

class Worker;

class WorkerSnapshots {
  public:
    WorkerSnapshots(Worker& worker, Scheduler& scheduler, StoreLinks& store_links, ImageCache& images,
                    ShellPool& pool, const vmm::Backend& backend)
        : worker_(worker), scheduler_(scheduler), store_links_(store_links), images_(images), pool_(pool),
          backend_(backend) {}

    // Run with the descriptor passed with the request.
    Result<worker_api::Saved> save(const worker_api::Save& request, int fd, std::stop_token stop);
    Result<worker_api::Built> restore(const worker_api::Restore& request, int fd, std::stop_token stop);

    // The guest part. After the pages: the monitor's records (the guest
    // paused), Console, Watches and GuestEnd.
    Result<void> write_guest_records(WorkerGuest& guest, vmm::Guest& vm, vmm::snapshot::Writer& writer);
    // Reads a guest part up to its GuestEnd and builds the guest (create's
    // fields in `request`), registered and paused. On failure nothing stays.
    // The memory and the shell are ready before the first record is read.
    struct Incoming {
        uint64_t start_ns = 0, guest_end_ns = 0, built_ns = 0; // CLOCK_MONOTONIC
        worker_api::Built built(uint64_t bytes) const;         // with read_ms, build_ms
    };
    Result<std::shared_ptr<WorkerGuest>> read_guest(const worker_api::GuestSpec& spec,
                                                    vmm::snapshot::Reader& reader, std::stop_token stop,
                                                    Incoming& in);

    // How long a save or migration waits for a running guest to let go of its
    // runner: longer than a store hypercall may wait for its reply (5 s).
    static constexpr std::chrono::milliseconds kQuiesceTimeout{6000};

  private:
    Result<std::shared_ptr<vmm::Guest>> build_from_stream(const worker_api::GuestSpec& spec, NewGuest& fresh,
                                                          vmm::snapshot::Reader& reader, std::stop_token stop,
                                                          Incoming& in);

    Worker& worker_;
    Scheduler& scheduler_;
    StoreLinks& store_links_;
    ImageCache& images_;
    ShellPool& pool_;
    const vmm::Backend& backend_;
};

} // namespace sf::host
