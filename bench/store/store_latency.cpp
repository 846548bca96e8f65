// sf-bench store: measure_latency() and its summary (see store_latency.h).
#include "bench/store/store_latency.h"

#include "bench/common/stats.h"
#include "bench/store/store_layout.h"
#include "bench/store/store_pipe.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

namespace sf::bench {

using store::wire::Message;
using store::wire::MsgType;

namespace {

using Clock = std::chrono::steady_clock;

// Sends one request and waits for its reply (watch events skipped); at most 10 s.
Result<Message> round_trip(StorePipe& pipe, MsgType type, const std::string& payload) {
    const uint32_t id = pipe.queue(type, 0, payload);
    SF_TRY(pipe.flush());
    std::vector<Message> got;
    for (Clock::time_point give_up = Clock::now() + std::chrono::seconds(10); Clock::now() < give_up;) {
        got.clear();
        SF_TRY(pipe.receive(got, 100));
        for (Message& m : got)
            if (m.header.req_id == id && m.type() != MsgType::WatchEvent) return std::move(m);
    }
    return error("no reply from the store to request {} within 10 s", id);
}

} // namespace

Result<void> measure_latency(LoadKind kind, const LoadSpec& spec, LatencySamples& samples) {
    if (kind == LoadKind::Transactions) return error("latency is measured for reads and writes only");
    SF_TRY_ASSIGN(StorePipe pipe, StorePipe::connect(spec.socket_path));
    const bool reads = kind == LoadKind::Reads;
    std::mt19937 rng(reads ? 101u : 202u);
    auto below = [&rng](size_t n) { return size_t(rng() % n); };
    const Clock::time_point deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                          std::chrono::duration<double>(spec.seconds));
    uint64_t written = 0;
    while (Clock::now() < deadline) {
        const int guest = 1 + int(below(size_t(spec.guests)));
        const std::string key = guest_key(guest, kGuestLeaves[below(kGuestLeaves.size())]);
        const std::string payload =
            reads ? path_payload(key) : write_payload(key, fmt::format("l{}", ++written));
        const Clock::time_point sent = Clock::now();
        SF_TRY_ASSIGN(Message reply, round_trip(pipe, reads ? MsgType::Read : MsgType::Write, payload));
        samples.us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
        if (reply.type() == MsgType::Error) ++samples.errors;
    }
    return ok();
}

LatencySummary summarize_latency(std::vector<double> us) {
    LatencySummary s;
    if (us.empty()) return s;
    std::sort(us.begin(), us.end());
    s.count = us.size();
    s.p50 = nearest_rank(us, 0.5);
    s.p90 = nearest_rank(us, 0.9);
    s.p99 = nearest_rank(us, 0.99);
    s.p99_9 = nearest_rank(us, 0.999);
    s.max = us.back();
    return s;
}

nlohmann::json to_json(const LatencySummary& s) {
    auto tenth = [](double v) { return std::round(v * 10.0) / 10.0; };
    return {{"count", s.count},    {"p50", tenth(s.p50)},     {"p90", tenth(s.p90)},
            {"p99", tenth(s.p99)}, {"p99_9", tenth(s.p99_9)}, {"max", tenth(s.max)}};
}

} // namespace sf::bench
