// sf-bench all: the document; see all_document.h.
#include "bench/all/all_document.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace sf::bench {
namespace {

// Keys that echo a run's settings, not measurements.
constexpr std::array<std::string_view, 16> kSettings = {"runs",       "warmup",        "count",
                                                        "clients",    "guests",        "watchers",
                                                        "n",          "rounds",        "image",
                                                        "duration_s", "memory_rounds", "guests_on_source",
                                                        "delay_ms",   "backend",       "watch_connections",
                                                        "rate"};

// Keys that summarise a figure named by the key above them.
constexpr std::array<std::string_view, 8> kStatistics = {"median", "mean", "p50", "p90",
                                                         "p99",    "min",  "max", "ns_per_hypercall_median"};

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_one_of(std::string_view key, const auto& list) {
    return std::find(list.begin(), list.end(), key) != list.end();
}

// Ratios: of times (guest over baseline: lower is better) or of throughputs (higher).
std::string ratio_direction(std::string_view key) {
    if (key.starts_with("ratio_http") || key.starts_with("ratio_udp")) return "higher";
    if (key == "ratio_ping" || key.starts_with("ratio_guest") || key.starts_with("ratio_sfd")) return "lower";
    return ""; // e.g. ratio_process_kvm: a comparison of two backends, neither way better
}

std::string key_direction(std::string_view key) {
    if (key.starts_with("ratio_")) return ratio_direction(key);
    for (std::string_view higher : {"_rps", "_pps", "_ops_s", "_commits_s", "mbit_s", "_per_s"})
        if (ends_with(key, higher)) return "higher";
    for (std::string_view lower : {"_ms", "_ms_per_guest", "_kib", "_kib_per_guest", "_kib_per_guest_min",
                                   "_kib_per_guest_max", "_kib_min", "_kib_max", "_pct", "_s", "_ns"})
        if (ends_with(key, lower)) return "lower";
    for (std::string_view lower :
         {"failed", "errors", "lost", "conflicts", "ns_per_hypercall", "_ms_mean", "store_share"})
        if (key.find(lower) != std::string_view::npos) return "lower";
    return "";
}

void collect(const std::string& path, const nlohmann::json& value, nlohmann::ordered_json& out);

// migrate's rows: one per K.
void collect_list(const std::string& path, const nlohmann::json& list, nlohmann::ordered_json& out) {
    for (size_t i = 0; i < list.size(); ++i) {
        const nlohmann::json& item = list[i];
        std::string label = std::to_string(i);
        if (item.is_object() && item.contains("guests_on_source") && item["guests_on_source"].is_number())
            label = fmt::format("K={}", item["guests_on_source"].get<int64_t>());
        collect(path + "." + label, item, out);
    }
}

void collect(const std::string& path, const nlohmann::json& value, nlohmann::ordered_json& out) {
    if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            if (key == "samples" || key == "server_phases") continue;
            if (is_one_of(key, kSettings) && !item.is_structured()) continue; // migrate's "runs" is its rows
            collect(path + "." + key, item, out);
        }
    } else if (value.is_array()) {
        if (!value.empty() && value.front().is_object()) collect_list(path, value, out);
    } else if (value.is_number() && !value.is_boolean()) {
        const std::string better = figure_direction(path);
        nlohmann::ordered_json figure = nlohmann::ordered_json::object();
        figure["value"] = nlohmann::ordered_json::parse(value.dump());
        figure["better"] = better.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(better);
        out[path] = std::move(figure);
    }
}

} // namespace

std::string parse_cpu_model(std::string_view cpuinfo) {
    size_t at = 0;
    while (at < cpuinfo.size()) {
        size_t end = cpuinfo.find('\n', at);
        if (end == std::string_view::npos) end = cpuinfo.size();
        std::string_view line = cpuinfo.substr(at, end - at);
        if (line.starts_with("model name")) {
            const size_t colon = line.find(':');
            if (colon != std::string_view::npos) {
                std::string_view model = line.substr(colon + 1);
                const size_t first = model.find_first_not_of(" \t");
                if (first != std::string_view::npos) return std::string(model.substr(first));
            }
        }
        at = end + 1;
    }
    return "unknown";
}

std::string figure_direction(const std::string& path) {
    // The last key that names the figure, not one of its statistics.
    std::vector<std::string_view> keys;
    std::string_view rest = path;
    for (size_t dot; (dot = rest.find('.')) != std::string_view::npos; rest.remove_prefix(dot + 1))
        keys.push_back(rest.substr(0, dot));
    keys.push_back(rest);
    for (auto key = keys.rbegin(); key != keys.rend(); ++key) {
        if (key->starts_with("K=")) break;
        const std::string direction = key_direction(*key);
        if (!direction.empty()) return direction;
        if (!is_one_of(*key, kStatistics)) {
            // hypercall's per-backend objects: the statistics of ns per hypercall.
            if (keys.size() >= 3 && keys[1] == "backends") return "lower";
            return "";
        }
    }
    return "";
}

nlohmann::ordered_json figures_of(const std::string& name, const nlohmann::json& result) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    collect(name, result, out);
    return out;
}

nlohmann::ordered_json all_document(const Machine& machine, const std::string& commit,
                                    const std::string& date, const std::string& size,
                                    const std::vector<BenchOutcome>& outcomes) {
    nlohmann::ordered_json benchmarks = nlohmann::ordered_json::object();
    nlohmann::ordered_json figures = nlohmann::ordered_json::object();
    for (const BenchOutcome& o : outcomes) {
        nlohmann::ordered_json entry = nlohmann::ordered_json::object();
        if (!o.skipped.empty()) {
            entry["skipped"] = o.skipped;
            benchmarks[o.name] = entry;
            continue;
        }
        std::string command = "sf-bench";
        for (size_t i = 1; i < o.command.size(); ++i)
            command += " " + o.command[i];
        entry["command"] = command;
        entry["status"] = o.status;
        entry["seconds"] = std::round(o.seconds * 1000.0) / 1000.0;
        if (o.result) {
            entry["result"] = nlohmann::ordered_json::parse(o.result->dump());
            const nlohmann::ordered_json found = figures_of(o.name, *o.result); // items() refers to it
            for (const auto& [path, figure] : found.items())
                figures[path] = figure;
        }
        if (!o.error.empty()) entry["error"] = o.error;
        benchmarks[o.name] = entry;
    }
    nlohmann::ordered_json document = nlohmann::ordered_json::object();
    document["machine"]["cpu_model"] = machine.cpu_model;
    document["machine"]["cores"] = machine.cores;
    document["machine"]["kernel"] = machine.kernel;
    document["machine"]["memory_kib"] = machine.memory_kib;
    document["machine"]["backend"] = machine.backend;
    document["commit"] = commit;
    document["date"] = date;
    document["size"] = size;
    document["benchmarks"] = std::move(benchmarks);
    document["figures"] = std::move(figures);
    return document;
}

} // namespace sf::bench
