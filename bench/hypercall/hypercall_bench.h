// sf-bench hypercall: the cost of one hypercall round trip on each backend.
//
// Runs the hcloop guest (COUNT clock hypercalls back to back; it measures
// itself with rdtsc) on every backend this host has (or the one named), a few
// times each, and reports the median per-call time of each, with the process
// backend's as a ratio to KVM's where both exist. Text, or JSON with --json.
// A backend this host lacks is reported as such ("error"); a run that fails
// on a backend it has is counted ("runs_failed", with the first error) and
// left out of the median, and makes the exit status 1.
#pragma once

#include <CLI/CLI.hpp>

namespace sf::bench {

void add_hypercall_command(CLI::App& app, int& exit_code);

} // namespace sf::bench
