// sf-bench all: the one JSON document of a run of every benchmark (pure
// functions, unit-tested apart from any benchmark).
//
// {"machine": {"cpu_model", "cores", "kernel", "memory_kib", "backend"},
//  "commit": "git describe of the tree built", "date": "2026-12-06T21:00:00Z",
//  "size": "quick", "benchmarks": {NAME: {"command": "sf-bench ...",
//  "status": 0, "seconds": 1.5, "result": {its own --json}} or, when it did
//  not run or failed, {"command", "status", "seconds", "error"} or
//  {"skipped": why}}, "figures": {"NAME.path.to.number": {"value": V,
//  "better": "lower" | "higher" | null}}}
//
// "figures" lists every number of every result that is a measurement (not
// an echo of the run's settings), by its path: objects by key, lists of
// per-K rows (migrate's "runs") by "K=<guests_on_source>", per-sample lists
// ("samples") left out. "better" says which way is an improvement, from the
// figure's name (figure_direction); null where the name does not say.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::bench {

struct Machine {
    std::string cpu_model; // /proc/cpuinfo's first "model name"
    unsigned cores = 0;    // online CPUs
    std::string kernel;    // uname -r
    uint64_t memory_kib = 0;
    std::string backend; // what runs guests here: kvm or process
};

// The first "model name" in a /proc/cpuinfo text; "unknown" if none.
std::string parse_cpu_model(std::string_view cpuinfo);

struct BenchOutcome {
    std::string name;
    std::vector<std::string> command; // empty when skipped
    std::string skipped;              // why it did not run (empty: it ran)
    int status = 0;                   // its exit status (-1: killed or timed out)
    double seconds = 0;
    std::optional<nlohmann::json> result; // its --json, when stdout parsed as one JSON value
    std::string error;                    // when it failed or printed no JSON
};

// "lower", "higher" or "" (not said by the name), for a figure's path
// ("boot.guest_first_output_ms.median", "net.http_rps").
std::string figure_direction(const std::string& path);

// Every figure of one benchmark's result, prefixed "NAME.".
nlohmann::ordered_json figures_of(const std::string& name, const nlohmann::json& result);

nlohmann::ordered_json all_document(const Machine& machine, const std::string& commit,
                                    const std::string& date, const std::string& size,
                                    const std::vector<BenchOutcome>& outcomes);

} // namespace sf::bench
