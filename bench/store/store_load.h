// sf-bench store: reads, writes and transaction commits per second over the
// unix socket, `clients` connections in parallel threads, each keeping
// `window` requests in flight (pipelined), for `seconds`.
//
//   reads:  READ of a random leaf of a random guest
//   writes: WRITE of a random leaf of the client's own guests (guest % clients
//           == client), so clients never write the same key
//   txns:   TRANSACTION_START, then 2 WRITEs and TRANSACTION_END "T" pipelined,
//           window / 4 transactions in flight per client, each on a guest of
//           its own: no two transactions touch the same node, so none conflicts
//
// Every client connects first; the clock starts when all are connected;
// operations completed before the deadline count. Every error reply, also one
// that comes after the deadline, is counted apart (commits refused with EAGAIN
// as conflicts, not errors) and never as an operation.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <string>

namespace sf::bench {

struct LoadSpec {
    std::string socket_path;
    int clients = 4;
    double seconds = 3;
    int guests = 10000; // the store holds guests 1..guests (store_populate.h)
    int window = 32;
};

struct LoadResult {
    uint64_t ops = 0;       // completed without an error
    uint64_t errors = 0;    // error replies (EAGAIN commits excluded), the whole run
    uint64_t conflicts = 0; // commits refused with EAGAIN (txns), the whole run
    double elapsed_s = 0;
    double per_second() const { return elapsed_s > 0 ? double(ops) / elapsed_s : 0; }
};

enum class LoadKind { Reads, Writes, Transactions };

Result<LoadResult> run_load(LoadKind kind, const LoadSpec& spec);

} // namespace sf::bench
