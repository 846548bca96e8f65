// sf-bench store: measure_watch_fanout() (see store_watch_fanout.h).
#include "bench/store/store_watch_fanout.h"

#include "bench/store/store_pipe.h"

#include <fmt/format.h>
#include <poll.h>

#include <chrono>

namespace sf::bench {

using store::wire::Message;
using store::wire::MsgType;

namespace {

using Clock = std::chrono::steady_clock;

struct Watcher {
    StorePipe pipe;
    int watches = 0;  // set on this connection
    int received = 0; // events of the current round
};

bool is_event_for(const Message& m, std::string_view path) {
    return m.type() == MsgType::WatchEvent && std::string_view(m.payload.c_str()) == path;
}

// Reads until every connection has `want(watcher)` messages accepted by `count`; at most 10 s.
template <typename Want, typename Count>
Result<void> collect(std::vector<Watcher>& watchers, Want want, Count count) {
    std::vector<pollfd> fds;
    for (auto& w : watchers)
        fds.push_back({w.pipe.fd(), POLLIN, 0});
    std::vector<Message> got;
    Clock::time_point give_up = Clock::now() + std::chrono::seconds(10);
    for (;;) {
        bool done = true;
        for (auto& w : watchers)
            done = done && w.received >= want(w);
        if (done) return ok();
        if (Clock::now() > give_up) return error("watch events still missing after 10 s");
        if (::poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) return error("poll failed");
        for (size_t i = 0; i < fds.size(); ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            got.clear();
            SF_TRY(watchers[i].pipe.receive(got, 0));
            for (const Message& m : got)
                watchers[i].received += count(m) ? 1 : 0;
        }
    }
}

Result<std::vector<Watcher>> set_watches(const FanoutSpec& spec) {
    std::vector<Watcher> watchers;
    for (int c = 0; c < spec.connections; ++c) {
        SF_TRY_ASSIGN(StorePipe pipe, StorePipe::connect(spec.socket_path));
        watchers.push_back(Watcher{std::move(pipe), 0, 0});
    }
    for (int i = 0; i < spec.watchers; ++i) {
        Watcher& w = watchers[size_t(i % spec.connections)];
        w.pipe.queue(MsgType::Watch, 0, watch_payload(spec.path, fmt::format("fanout-{}", i)));
        ++w.watches;
    }
    for (auto& w : watchers)
        SF_TRY(w.pipe.flush());
    // Each watch: its OK reply and the event it fires once set.
    int refused = 0;
    SF_TRY(collect(
        watchers, [](const Watcher& w) { return 2 * w.watches; },
        [&](const Message& m) {
            refused += m.type() == MsgType::Error ? 1 : 0;
            return true;
        }));
    if (refused) return error("the store refused {} of {} watches", refused, spec.watchers);
    return watchers;
}

} // namespace

Result<std::vector<double>> measure_watch_fanout(const FanoutSpec& spec) {
    SF_TRY_ASSIGN(StorePipe writer, StorePipe::connect(spec.socket_path));
    SF_TRY_ASSIGN(Message created, writer.call(MsgType::Write, 0, write_payload(spec.path, "0")));
    if (created.type() == MsgType::Error) return error("write {}: {}", spec.path, created.payload.c_str());
    SF_TRY_ASSIGN(std::vector<Watcher> watchers, set_watches(spec));
    std::vector<double> rounds;
    for (int round = 1; round <= spec.rounds; ++round) {
        for (auto& w : watchers)
            w.received = 0;
        Clock::time_point start = Clock::now();
        writer.queue(MsgType::Write, 0, write_payload(spec.path, std::to_string(round)));
        SF_TRY(writer.flush());
        SF_TRY(collect(
            watchers, [](const Watcher& w) { return w.watches; },
            [&](const Message& m) { return is_event_for(m, spec.path); }));
        rounds.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        std::vector<Message> reply;
        while (reply.empty())
            SF_TRY(writer.receive(reply, 1000)); // the write's OK
        if (reply.front().type() == MsgType::Error)
            return error("write {}: {}", spec.path, reply.front().payload.c_str());
    }
    return rounds;
}

} // namespace sf::bench
