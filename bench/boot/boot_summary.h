// sf-bench boot: the samples of one run and how they are reported (pure
// functions, unit-tested apart from any guest or daemon).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace sf::bench {

// Milliseconds, one entry per measured run.
struct BootSamples {
    // The cold in-process create: image read, VM, vCPU, memory, run.
    std::vector<double> guest_first, guest_exit, guest_teardown;
    std::vector<double> fork_first, fork_exit, spawn_first, spawn_exit;
    // --via-sfd: POST /v1/guests (wait output) to a running sfd with its
    // shell pool: the request's wall time (sending it to the 201) and sfd's
    // own first_output_ms. Empty without --via-sfd.
    std::vector<double> sfd_request, sfd_first_output;
};

struct BootRunInfo {
    std::string backend, image;
    int runs = 0, warmup = 0;
    bool via_sfd = false;
};

// Median of a over median of b; 0 when either is empty or b's median is 0.
double median_ratio(const std::vector<double>& a, const std::vector<double>& b);

// The JSON: backend, runs, warmup, image, guest_first_output_ms,
// guest_exit_ms, guest_teardown_ms, fork_exec_ms, fork_exec_exit_ms,
// posix_spawn_ms, posix_spawn_exit_ms (each median, p90, p99, min, max) and
// ratio_guest_fork_exec; with via_sfd also sfd_request_ms,
// sfd_first_output_ms, ratio_sfd_fork_exec (sfd_request over fork+exec first
// output) and ratio_sfd_guest (sfd_request over the cold in-process guest's
// first output). Ratios of medians, rounded to 0.001.
nlohmann::json boot_json(const BootRunInfo& info, const BootSamples& samples);

// The human table and the ratios with the targets (several lines).
std::string boot_text(const BootRunInfo& info, const BootSamples& samples);

} // namespace sf::bench
