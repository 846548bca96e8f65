// superfluid worker: LongOperations, the requests that take long (save,
// restore, migrate_out, migrate_in), each on a thread of its own.
//
// The worker's main thread reads sfd's socket, including the store replies
// a guest may be waiting for: an operation that pauses a guest, or waits on
// a file or a peer, must not hold it. launch() starts the job on a new
// thread and returns at once; when the job ends its outcome goes to the
// ReplyFn (on that thread), under the request id it came with. At most one
// operation per guest id runs at a time.
//
// Each operation owns the descriptor it was given, and closes it as soon as
// its job returns, under the lock cancel() shuts it down with: so cancel()
// never shuts a reused number down, nor the socket of an operation that has
// ended (sfd still uses a migration's connection after the worker's part:
// destroying the departed guest must not cut it). cancel() requests the
// job's stop_token and shuts the descriptor down (a blocked read or write on
// a socket returns at once), then joins the thread; the job then ends with an
// error as soon as it notices.
//
// Threading: every method from any thread except a job's own (a job joining
// itself would hang). The ReplyFn runs on the operations' threads.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include "host/worker_api.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>

namespace sf::host {

class LongOperations {
  public:
    // The work: the descriptor it was given, and a token cancel() requests.
    using Outcome = Result<worker_api::EncodedReply>;
    using Job = std::function<Outcome(int fd, std::stop_token stop)>;
    using ReplyFn = std::function<void(uint64_t request_id, const Outcome& outcome)>;

    explicit LongOperations(ReplyFn reply) : reply_(std::move(reply)) {}
    ~LongOperations(); // cancels and joins them all
    LongOperations(const LongOperations&) = delete;
    LongOperations& operator=(const LongOperations&) = delete;

    // Starts `job` on a thread for guest `guest_id`. Conflict if an operation
    // for that guest has not ended yet (the descriptor is then closed).
    Result<void> launch(uint64_t guest_id, uint64_t request_id, UniqueFd fd, Job job);
    // Whether an operation for the guest runs (its reply has not gone yet).
    bool busy(uint64_t guest_id) const;
    // Cancels the guest's operation, if any, and waits for its thread to end.
    void cancel(uint64_t guest_id);
    void cancel_all();

  private:
    struct Operation {
        UniqueFd fd; // guarded by mutex_ once the thread runs; closed when the job returns
        std::stop_source stop;
        std::thread thread;
        bool done = false; // guarded by mutex_
    };
    void reap_done(); // joins the threads of ended operations
    void stop_and_join(Operation& operation);

    const ReplyFn reply_;
    mutable std::mutex mutex_;
    std::multimap<uint64_t, std::unique_ptr<Operation>> operations_; // by guest id; done ones until reaped
};

} // namespace sf::host
