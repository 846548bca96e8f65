// sf-bench migrate: one run, the migration of a fresh kvcount guest from the
// source host to the destination while the client pings it and counts over
// one TCP connection, with this run's baselines.
//
// Steps: a plain create of the same guest (image, memory, NIC) on the
// destination, timed, then destroyed (baseline 1); the guest created on the
// source; once it answers ping, the probes start (StreamPinger,
// CounterClient), run 300 ms, then POST .../migrate to the source, timed;
// the probes go on until both have an answer after the reply (at least
// 300 ms, at most ~6 s); the guest is destroyed where it is; the raw TCP
// transfer of the bytes sent, timed between the two hosts (baseline 2).
//
// Every failure ends up in the sample (ok = false, error); the guest is
// destroyed on either host whatever happened.
#pragma once

#include "bench/migrate/migrate_env.h"
#include "bench/migrate/migrate_summary.h"

#include <chrono>
#include <string>

namespace sf::bench {

struct RunSetup {
    TestHostsEnv env;
    std::string source_socket, dest_socket; // the two sfds' API sockets
    std::string dest_migrate;               // the destination's --migrate-listen, HOST:PORT
    std::string image;                      // kvcount
    std::string mem = "4M";
    std::string network;      // on both sfds
    uint32_t subnet_base = 0; // the network's first address (host order)
    std::chrono::microseconds ping_interval{200};
    uint16_t transfer_port = 7441;
    bool dry_run = false; // pause and resume on the source instead of migrating (tests the bench)
};

MigrateSample migrate_once(const RunSetup& setup, int run);

} // namespace sf::bench
