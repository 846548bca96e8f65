// superfluid worker tests: what the snapshot and migration tests share:
// workers started per test, waiting for a ticker's ticks, temporary files
// and connected socket pairs (loopback TCP, like two hosts, or AF_UNIX).
#pragma once

#include "worker_under_test.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace sf::test {

class WorkerTest : public ::testing::Test {
  protected:
    void SetUp() override { SF_WORKER_REQUIRE_KVM(); }
    void TearDown() override;

    std::unique_ptr<WorkerUnderTest> start_worker(int index, bool frames = false);
    // Polls the guest's console until its last tick is >= `tick` (at most `timeout_ms`).
    static bool wait_for_tick(WorkerUnderTest& worker, uint64_t guest, int tick, int timeout_ms = 10000);
    // A new empty file, removed at the end of the test; opened read-write.
    UniqueFd temp_file();
    // create's fields for a ticker with id `id` (what restore and migrate_in take too).
    static api::GuestSpec ticker_fields(uint64_t id);

    std::vector<std::string> files_;
};

// Two connected stream sockets: over loopback TCP, or an AF_UNIX pair.
std::pair<UniqueFd, UniqueFd> tcp_pair();
std::pair<UniqueFd, UniqueFd> unix_pair();
// "tick N/" is in the console.
bool has_tick(const std::string& console, int tick);

} // namespace sf::test
