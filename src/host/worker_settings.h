// superfluid toolstack: WorkerSettings, what sfd chooses for each of its
// workers. sfd writes them on sf-worker's command line (to_args) and the
// worker reads them back with the same code (add_options): one form, one
// set of defaults. sfd's own flags (--pool, --runners, ...) fill them.
#pragma once

#include "host/worker/console_log.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sf::host {

struct WorkerSettings {
    int index = 0;               // the worker's slot
    size_t pool = 8;             // shells kept ready
    int runners = 2;             // runner threads
    uint64_t slice_ms = 10;      // time slice of a running guest
    size_t ring_size = 16 << 10; // console ring bytes per guest
    std::string log_dir;         // non-empty: each guest's console also goes to LOG_DIR/NAME.log
    uint64_t log_max_bytes = kDefaultLogMaxBytes; // NAME.log's cap: then it becomes NAME.log.1 (ConsoleLog)
    // Non-empty: a unix socket where a restarted sfd reconnects. When sfd goes
    // away the worker keeps its guests running for `orphan_grace_s` seconds
    // waiting for it, then stops them and exits. Empty: it ends with sfd.
    std::string listen_path;
    uint64_t orphan_grace_s = 120;
    std::string backend = "auto"; // kvm, process or auto: sfd passes the kind it found working
    std::string kvm_device = "/dev/kvm";
    std::string sandbox; // empty: sf-sandbox beside sf-worker
};

// The command-line arguments that carry `settings` (after the program name).
std::vector<std::string> to_args(const WorkerSettings& settings);
// sf-worker's options for them, with their defaults and checks.
void add_options(CLI::App& app, WorkerSettings& settings);

} // namespace sf::host
