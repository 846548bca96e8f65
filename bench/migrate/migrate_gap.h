// sf-bench migrate: what the client saw during a migration, from the raw
// observations of its probes (pure functions, unit-tested).
//
// Downtime as the client sees it is the largest gap between consecutive ICMP
// echo replies around the migration: the last reply from the source to the
// first from the destination. The kvcount counter must continue over the same
// TCP connection: every acknowledged "INCR k" is one more than the one before,
// and a final "GET k" returns the last acknowledged value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sf::bench {

struct ReplyGap {
    int64_t start_ns = 0; // the reply before the gap
    int64_t end_ns = 0;   // the reply after it, or the end of observation when `closed` is false
    bool closed = true;   // false: no reply came after it
    double ms() const { return static_cast<double>(end_ns - start_ns) / 1e6; }
};

// The largest interval between consecutive reply times (any order; one clock)
// that overlaps [from_ns, to_ns], the migration's window. When no reply came
// after to_ns, the interval from the last reply to `observed_until_ns` counts
// too (closed = false). Nullopt when no reply came before from_ns (nothing to
// measure from).
std::optional<ReplyGap> largest_gap(std::vector<int64_t> reply_ns, int64_t from_ns, int64_t to_ns,
                                    int64_t observed_until_ns);

// The counter's replies over one connection.
struct CounterCheck {
    bool continuous = false; // every value one more than the one before, and the final GET agrees
    uint64_t first = 0, last = 0;
    std::string problem; // empty when continuous
};

// `values`: the replies to consecutive INCRs, in order. `final_get`: the
// reply to the GET sent after the last INCR (nullopt: none came).
CounterCheck check_counter(const std::vector<uint64_t>& values, std::optional<uint64_t> final_get);

// The round-trip times (ms) of the echo replies received before `before_ns`.
// Request i was sent at sent_ns[i] with sequence number (i + 1) mod 65536;
// reply j carries sequence reply_seq[j] and came at reply_ns[j], and answers
// the latest request with that sequence sent no later than it. Replies
// matching no request are skipped.
std::vector<double> round_trips_ms(const std::vector<int64_t>& sent_ns,
                                   const std::vector<uint16_t>& reply_seq,
                                   const std::vector<int64_t>& reply_ns, int64_t before_ns);

// The median (the mean of the middle two for an even count); nullopt when empty.
std::optional<double> median_of(std::vector<double> values);

} // namespace sf::bench
