// sf-container-nic-latency: how long NetService::lease_container takes with
// the warm container ports pool and without it, in one run (a measurement,
// not a test: ctest does not run it). Root.
//
//   sf-container-nic-latency [-n COUNT] [--pool N]
//
// In a private network namespace of its own (the uplink lives there), for
// each of two services (--pool N warm container NICs per network, then 0):
// COUNT times, wait until the pool is full again (not timed: containers come
// tens of ms apart, crun's start, and the pool keeps up), then lease a
// container NIC (timed: what a container create waits for) and keep it, as
// a storm of COUNT containers would; then release them all (each timed).
// Releases are kept out of the leases' loop: the kernel deletes a released
// namespace in the background, holding the lock every interface change
// takes, which would be measured instead. Prints one JSON object: medians,
// 90th percentiles, extremes in ms.
#include "host/net_service.h"

#include <nlohmann/json.hpp>

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

nlohmann::json summary(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    const auto at = [&](double q) {
        return samples[static_cast<size_t>(q * static_cast<double>(samples.size() - 1))];
    };
    return {
        {"median_ms", at(0.5)}, {"p90_ms", at(0.9)}, {"min_ms", samples.front()}, {"max_ms", samples.back()}};
}

// {"lease": ..., "release": ..., "taken_warm": ..., "taken_cold": ...} for a service with `pool` warm NICs.
nlohmann::json measure(size_t pool, int count) {
    auto service =
        sf::host::NetService::create({.pool_target = 2, .container_pool = pool, .switch_config = {}});
    if (!service) return {{"error", service.error().message}};
    const std::string net = "cnlat";
    if (auto made = (*service)->create_network({net, "10.93.0.0/22"}); !made)
        return {{"error", made.error().message}};
    const auto pool_stats = [&] { return (*service)->network_info(net)->stats["container_pool"]; };
    // The first lease starts the pool.
    if (auto first = (*service)->lease_container(net, "")) (*service)->release(first->port_key);
    std::vector<double> lease_ms, release_ms;
    std::vector<uint32_t> keys;
    for (int i = 0; i < count; ++i) {
        while (pool_stats()["ready"].get<size_t>() < pool)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const auto start = Clock::now();
        auto lease = (*service)->lease_container(net, "");
        lease_ms.push_back(ms_since(start));
        if (!lease) return {{"error", lease.error().message}};
        keys.push_back(lease->port_key);
    }
    const auto stats = pool_stats();
    for (uint32_t key : keys) {
        const auto start = Clock::now();
        (*service)->release(key);
        release_ms.push_back(ms_since(start));
    }
    return {{"pool", pool},
            {"lease", summary(lease_ms)},
            {"release", summary(release_ms)},
            {"taken_warm", stats["taken_warm"]},
            {"taken_cold", stats["taken_cold"]}};
}

} // namespace

int main(int argc, char** argv) {
    int count = 200;
    size_t pool = 8;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if ((arg == "-n" || arg == "--pool") && i + 1 < argc) {
            const long value = std::strtol(argv[++i], nullptr, 10);
            if (value < 1) {
                std::fprintf(stderr, "sf-container-nic-latency: %s must be at least 1\n", arg.c_str());
                return 2;
            }
            if (arg == "-n")
                count = static_cast<int>(std::min(value, 1000L)); // the /22's guest addresses
            else
                pool = static_cast<size_t>(std::min(value, 256L));
        } else {
            std::fprintf(stderr, "usage: sf-container-nic-latency [-n COUNT] [--pool N] (root)\n");
            return arg == "--help" || arg == "-h" ? 0 : 2;
        }
    }
    if (::unshare(CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "sf-container-nic-latency: a private network namespace: %s (needs root)\n",
                     std::strerror(errno));
        return 1;
    }
    nlohmann::json on = measure(pool, count);
    nlohmann::json off = measure(0, count);
    nlohmann::json out = {{"count", count}, {"pool_on", on}, {"pool_off", off}};
    if (on.contains("lease") && off.contains("lease"))
        out["off_over_on"] = off["lease"]["median_ms"].get<double>() / on["lease"]["median_ms"].get<double>();
    std::printf("%s\n", out.dump(2).c_str());
    return on.contains("error") || off.contains("error") ? 1 : 0;
}
