// sf-bench storm: the boot storm (the paper's Figure 2). Creates N idle
// guests through sfd's API as fast as it can, each request waiting for the
// guest's first console output, keeps them all alive, measures host memory
// and idle CPU with all of them up, then destroys them.
//
// Without --socket it starts its own sfd (build/bin/sfd beside sf-bench) on a
// private socket and stops it at the end, also on error and on Ctrl-C.
// --store mem|none|lmdb picks that sfd's store back-end (lmdb in a temporary
// data directory, removed at the end); sfd's /v1/host, read before and after
// the create phase, gives the store's mean time per create and its share of
// the median creation time.
#pragma once

#include <CLI/CLI.hpp>

namespace sf::bench {

void add_storm_command(CLI::App& app, int& exit_code);

} // namespace sf::bench
