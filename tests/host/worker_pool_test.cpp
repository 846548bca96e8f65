// WorkerPool (src/host/worker_pool.h) against stand-in worker processes: a
// shell script that ignores sf-worker's arguments and sleeps (a worker that
// stays), or exits at once (a worker that keeps failing). No real worker,
// no guest: placement, growth, restarts and the quick-exit rule.
#include "host/worker_pool.h"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

using namespace sf;
using namespace sf::host;
using namespace std::chrono_literals;

namespace {

// A stand-in for sf-worker: `body` is the script after its #! line.
std::string stand_in(const std::string& name, const std::string& body) {
    const std::string path = "/tmp/sf-pool-test-" + std::to_string(::getpid()) + "-" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0700);
    return path;
}

// Starts slot `slot` with the stand-in; `pool` is told when it ends.
struct StandIns {
    std::string program;
    WorkerPool* pool = nullptr;
    std::atomic<int> started{0};
    ~StandIns() { ::unlink(program.c_str()); }

    WorkerPool::Start start() {
        return [this](int slot) -> Result<std::shared_ptr<WorkerProcess>> {
            int fds[2];
            if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) return error("socketpair");
            UniqueFd ours(fds[0]), theirs(fds[1]);
            WorkerOptions options;
            options.program = program;
            WorkerProcess::Callbacks callbacks;
            callbacks.on_event = [](uint64_t, const worker_api::GuestEvent&) {};
            callbacks.on_console = [](uint64_t, std::string_view) {};
            callbacks.on_exit = [this](int i, const std::string& how) { pool->worker_exited(i, how); };
            SF_TRY_ASSIGN(std::unique_ptr<WorkerProcess> worker,
                          WorkerProcess::spawn(slot, options, theirs.get(), std::move(callbacks)));
            ++started;
            return std::shared_ptr<WorkerProcess>(std::move(worker));
        };
    }
};

template <class Done> bool wait_until(Done done, std::chrono::milliseconds timeout = 10s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

} // namespace

TEST(WorkerPool, PlacesOnTheLeastLoadedLiveWorker) {
    StandIns workers{stand_in("sleeper", "exec sleep 600")};
    WorkerPool pool({.workers = 3, .max_workers = 3, .guests_per_worker = 100, .max_guests_per_worker = 2},
                    workers.start());
    workers.pool = &pool;
    ASSERT_TRUE(pool.start_all());
    EXPECT_EQ(workers.started, 3);
    std::vector<int> counts(3, 0);
    for (int i = 0; i < 6; ++i) {
        Result<int> slot = pool.place();
        ASSERT_TRUE(slot) << slot.error().message;
        pool.count_guest(*slot);
        ++counts[static_cast<size_t>(*slot)];
    }
    EXPECT_EQ(counts, std::vector<int>({2, 2, 2}));
    Result<int> full = pool.place();
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().kind, ErrorKind::ResourceExhausted) << full.error().message;
    pool.release_guest(1);
    EXPECT_EQ(pool.place().value(), 1) << "the slot with room";
    pool.shutdown(100ms); // the stand-ins do not answer sf-worker's shutdown
}

TEST(WorkerPool, GrowsAheadOfNeed) {
    StandIns workers{stand_in("sleeper", "exec sleep 600")};
    WorkerPool pool({.workers = 1, .max_workers = 2, .guests_per_worker = 4, .max_guests_per_worker = 100},
                    workers.start());
    workers.pool = &pool;
    ASSERT_TRUE(pool.start_all());
    for (int i = 0; i < 3; ++i)
        pool.count_guest(pool.place().value());
    EXPECT_EQ(pool.slots(), 1u) << "below 3/4 of its share: no new worker yet";
    (void)pool.place(); // the least loaded has 3 of 4: one more worker is asked for
    ASSERT_TRUE(wait_until([&] { return pool.slots() == 2 && pool.pid(1) > 0; }));
    EXPECT_EQ(pool.place().value(), 1) << "the new, empty worker";
    pool.shutdown(100ms);
}

TEST(WorkerPool, RestartsAWorkerThatDied) {
    StandIns workers{stand_in("sleeper", "exec sleep 600")};
    WorkerPool pool({.workers = 1, .max_workers = 1, .guests_per_worker = 100, .max_guests_per_worker = 100},
                    workers.start());
    workers.pool = &pool;
    ASSERT_TRUE(pool.start_all());
    pool.count_guest(0);
    const pid_t first = pool.pid(0);
    ASSERT_GT(first, 0);
    std::this_thread::sleep_for(2100ms); // older than a quick exit
    ASSERT_EQ(::kill(first, SIGKILL), 0);
    ASSERT_TRUE(wait_until([&] { return pool.pid(0) > 0 && pool.pid(0) != first; }));
    EXPECT_EQ(workers.started, 2);
    EXPECT_EQ(pool.place().value(), 0);
    pool.shutdown(100ms);
}

TEST(WorkerPool, StopsRestartingAWorkerThatKeepsFailingAtStart) {
    StandIns workers{stand_in("failing", "exit 3")};
    WorkerPool pool({.workers = 1, .max_workers = 1, .guests_per_worker = 100, .max_guests_per_worker = 100},
                    workers.start());
    workers.pool = &pool;
    ASSERT_TRUE(pool.start_all());
    ASSERT_TRUE(wait_until([&] {
        Result<int> slot = pool.place();
        return !slot && slot.error().kind == ErrorKind::Unavailable;
    }));
    Result<int> slot = pool.place();
    ASSERT_FALSE(slot);
    EXPECT_NE(slot.error().message.find("no worker can run guests: worker 0 exited with status 3 right after "
                                        "starting, 3 times in a row"),
              std::string::npos)
        << slot.error().message;
    EXPECT_EQ(workers.started, 3);
}
