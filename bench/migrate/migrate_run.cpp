// sf-bench migrate: one run; see migrate_run.h.
#include "bench/migrate/migrate_run.h"

#include "bench/common/icmp_pinger.h"
#include "bench/common/sfd_client.h"
#include "bench/migrate/migrate_api.h"
#include "bench/migrate/migrate_counter.h"
#include "bench/migrate/migrate_gap.h"
#include "bench/migrate/migrate_netns.h"
#include "bench/migrate/migrate_pinger.h"
#include "bench/migrate/migrate_transfer.h"

#include <fmt/format.h>

#include <thread>

namespace sf::bench {
namespace {

constexpr std::chrono::milliseconds kWarmUp{300};
constexpr std::chrono::milliseconds kAfterMin{300};
constexpr auto kAfterMax = CounterClient::kReplyTimeout + std::chrono::seconds(1);
constexpr uint64_t kDryRunTransferBytes = 2 << 20; // what a guest with 2 MiB touched would send

std::string address_text(uint32_t ip) {
    return fmt::format("{}.{}.{}.{}", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

std::string host_part(const std::string& address) {
    return address.substr(0, address.find('/'));
}

// The guest's request: kvcount with a NIC at a fixed address of its own.
GuestRequest kvcount_request(const RunSetup& s, const std::string& name, uint32_t ip) {
    GuestRequest request;
    request.name = name;
    request.image = s.image;
    request.mem = s.mem;
    request.cmdline = "2048"; // kvcount TOUCH_KIB: about 2 MiB touched, as the guest
    request.net = s.network;
    request.ip = address_text(ip);
    return request;
}

// Baseline 1: a plain create of the same guest on the destination.
Result<double> time_plain_create(const RunSetup& s, const std::string& name, uint32_t ip) {
    SfdClient client(s.dest_socket);
    SF_TRY_ASSIGN(CreatedGuest guest, client.create_guest(kvcount_request(s, name, ip)));
    SF_TRY(client.destroy_guest(guest.id));
    return guest.client_ms;
}

Result<void> wait_answering(const std::string& ns, uint32_t ip) {
    std::unique_ptr<IcmpPinger> pinger;
    SF_TRY(run_in_netns(ns, [&]() -> Result<void> {
        SF_TRY_ASSIGN(pinger, IcmpPinger::create());
        return ok();
    }));
    SF_TRY(pinger->ping(ip, std::chrono::milliseconds(20), 250));
    return ok();
}

// The migration itself (or, dry, a pause of 3 ms on the source).
Result<MigrateReply> move_guest(const RunSetup& s, MigrateApi& api, const std::string& name) {
    if (!s.dry_run) return api.migrate(name, s.dest_migrate);
    const auto start = std::chrono::steady_clock::now();
    SF_TRY(api.act(name, "pause"));
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    SF_TRY(api.act(name, "resume"));
    MigrateReply reply;
    reply.client_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return reply;
}

// Waits until both probes have an answer after `after_ns` and kAfterMin has passed (or kAfterMax).
void wait_for_answers(const StreamPinger& pinger, const CounterClient& counter, int64_t after_ns) {
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
        const auto waited = std::chrono::steady_clock::now() - start;
        const bool answered = pinger.last_reply_ns() > after_ns && counter.last_reply_ns() > after_ns;
        if ((answered && waited >= kAfterMin) || waited >= kAfterMax) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

double gap_ms(const std::vector<int64_t>& times, int64_t from, int64_t to, int64_t until) {
    const std::optional<ReplyGap> gap = largest_gap(times, from, to, until);
    return gap ? gap->ms() : 0;
}

// Probes, migration, observations: fills everything but the baselines.
Result<void> observe_migration(const RunSetup& s, const std::string& name, uint32_t ip, int run,
                               MigrateSample& sample) {
    SF_TRY_ASSIGN(auto pinger, StreamPinger::create(s.env.client_ns));
    SF_TRY_ASSIGN(auto counter, CounterClient::connect(s.env.client_ns, ip, 7000, fmt::format("k{}", run),
                                                       std::chrono::seconds(3)));
    MigrateApi source(s.source_socket);
    SF_TRY(source.warm_up());
    pinger->start(ip, s.ping_interval);
    counter->start();
    std::this_thread::sleep_for(kWarmUp);
    if (pinger->replies_so_far() == 0 || counter->replies_so_far() == 0)
        return error("before the migration: {} ping replies, {} INCR replies ({})", pinger->replies_so_far(),
                     counter->replies_so_far(), counter->failure());
    const int64_t t0 = wall_ns();
    Result<MigrateReply> reply = move_guest(s, source, name);
    const int64_t t1 = wall_ns();
    if (reply) wait_for_answers(*pinger, *counter, t1);
    pinger->stop();
    counter->stop();
    const int64_t until = wall_ns();
    SF_TRY(reply);
    sample.ok = true;
    sample.total_ms = reply->client_ms;
    sample.server_total_ms = reply->total_ms;
    sample.server_downtime_ms = reply->downtime_ms;
    sample.bytes_sent = reply->bytes_sent;
    sample.rounds = reply->rounds;
    sample.server_phases = reply->phases;
    if (const std::optional<ReplyGap> gap = largest_gap(pinger->reply_ns(), t0, t1, until)) {
        sample.downtime_ms = gap->ms();
        sample.pings_resumed = gap->closed;
        sample.gap_start_ms = static_cast<double>(gap->start_ns - t0) / 1e6;
        sample.gap_end_ms = static_cast<double>(gap->end_ns - t0) / 1e6;
    }
    sample.ping_rtt_ms =
        median_of(round_trips_ms(pinger->sent_ns(), pinger->reply_sequence(), pinger->reply_ns(), t0));
    sample.send_gap_ms = gap_ms(pinger->sent_ns(), t0, t1, until);
    sample.tcp_gap_ms = gap_ms(counter->reply_ns(), t0, t1, until);
    sample.pings_sent = pinger->sent_ns().size();
    sample.pings_answered = pinger->reply_ns().size();
    sample.increments = counter->values().size();
    const CounterCheck check = check_counter(counter->values(), counter->get(std::chrono::seconds(2)));
    const bool answered_after = !counter->reply_ns().empty() && counter->reply_ns().back() > t1;
    sample.connection_kept = check.continuous && answered_after;
    sample.connection_problem = !counter->failure().empty() ? counter->failure()
                                : !check.continuous         ? check.problem
                                : answered_after            ? ""
                                                            : "no INCR answered after the migration";
    return ok();
}

// Baseline 2: the raw TCP transfer of `bytes` from the source host to the destination.
Result<double> time_transfer(const RunSetup& s, uint64_t bytes) {
    SF_TRY_ASSIGN(uint32_t to_ip, parse_ipv4(host_part(s.env.host_addr.at(1))));
    return tcp_transfer_ms(TransferEnds{s.env.host_ns.at(0), s.env.host_ns.at(1), to_ip, s.transfer_port},
                           bytes);
}

} // namespace

MigrateSample migrate_once(const RunSetup& s, int run) {
    MigrateSample sample;
    const std::string name = fmt::format("kv{}", run), base_name = fmt::format("kvbase{}", run);
    const uint32_t ip = s.subnet_base + 10 + 2 * static_cast<uint32_t>(run), base_ip = ip + 1;
    if (auto created = time_plain_create(s, base_name, base_ip); created)
        sample.create_ms = *created;
    else
        fmt::print(stderr, "sf-bench migrate: baseline create: {}\n", created.error().message);
    SfdClient source(s.source_socket);
    Result<void> observed = [&]() -> Result<void> {
        SF_TRY(source.create_guest(kvcount_request(s, name, ip)));
        SF_TRY(wait_answering(s.env.client_ns, ip));
        return observe_migration(s, name, ip, run, sample);
    }();
    if (!observed) {
        sample.ok = false;
        sample.error = observed.error().message;
    }
    // Destroy it where it is: the destination after a migration, else the source.
    MigrateApi dest_api(s.dest_socket), source_api(s.source_socket);
    if (!dest_api.destroy(name) && !source_api.destroy(name))
        fmt::print(stderr, "sf-bench migrate: guest {} found on neither host to destroy\n", name);
    const uint64_t transfer_bytes = s.dry_run ? kDryRunTransferBytes : sample.bytes_sent;
    if (sample.ok && transfer_bytes > 0) {
        if (auto transfer = time_transfer(s, transfer_bytes); transfer)
            sample.transfer_ms = *transfer;
        else
            fmt::print(stderr, "sf-bench migrate: baseline transfer: {}\n", transfer.error().message);
    }
    return sample;
}

} // namespace sf::bench
