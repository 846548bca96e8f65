// sf-bench store: run_load() (see store_load.h).
#include "bench/store/store_load.h"

#include "bench/store/store_layout.h"
#include "bench/store/store_pipe.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <latch>
#include <memory>
#include <random>
#include <thread>
#include <unordered_map>

namespace sf::bench {

using store::wire::Message;
using store::wire::MsgType;

namespace {

using Clock = std::chrono::steady_clock;

bool is_error(const Message& m, std::string_view name = {}) {
    return m.type() == MsgType::Error && (name.empty() || std::string_view(m.payload.c_str()) == name);
}

// One client's requests: start() fills the window, on_reply() takes a reply
// and queues the follow-up unless stopping. `in_flight` counts requests sent
// whose reply has not come.
class Driver {
  public:
    Driver(StorePipe& pipe, const LoadSpec& spec, int client)
        : pipe_(pipe), spec_(spec), client_(client), rng_(unsigned(client) + 1) {}
    virtual ~Driver() = default;
    virtual void start() = 0;
    virtual void on_reply(const Message& reply, bool counting) = 0;

    LoadResult result;
    bool stopping = false;
    size_t in_flight = 0;

  protected:
    void send(MsgType type, uint32_t tx, const std::string& payload) {
        last_id_ = pipe_.queue(type, tx, payload);
        ++in_flight;
    }
    int random_below(int n) { return int(rng_() % unsigned(n)); }
    std::string_view random_leaf() { return kGuestLeaves[size_t(random_below(int(kGuestLeaves.size())))]; }

    StorePipe& pipe_;
    const LoadSpec& spec_;
    int client_;
    std::mt19937 rng_;
    uint32_t last_id_ = 0;
};

class ReadWriteDriver final : public Driver {
  public:
    ReadWriteDriver(StorePipe& pipe, const LoadSpec& spec, int client, bool writes)
        : Driver(pipe, spec, client), writes_(writes) {}
    void start() override {
        for (int i = 0; i < spec_.window; ++i)
            next();
    }
    void on_reply(const Message& reply, bool counting) override {
        if (is_error(reply))
            ++result.errors; // every error reply, also those after the deadline
        else if (counting)
            ++result.ops;
        if (!stopping) next();
    }

  private:
    void next() {
        if (!writes_) {
            send(MsgType::Read, 0, path_payload(guest_key(1 + random_below(spec_.guests), random_leaf())));
            return;
        }
        int own = std::max(1, spec_.guests / spec_.clients);
        int guest = 1 + client_ + spec_.clients * random_below(own);
        send(MsgType::Write, 0,
             write_payload(guest_key(guest, random_leaf()), fmt::format("w{}", ++written_)));
    }
    bool writes_;
    uint64_t written_ = 0;
};

class TransactionDriver final : public Driver {
  public:
    using Driver::Driver;
    void start() override {
        for (int slot = 0; slot < std::max(1, spec_.window / 4); ++slot)
            begin(slot);
    }
    void on_reply(const Message& reply, bool counting) override {
        auto it = pending_.find(reply.header.req_id);
        if (it == pending_.end()) return;
        auto [slot, stage] = it->second;
        pending_.erase(it);
        if (stage == Stage::Start) {
            uint32_t tx = 0;
            std::from_chars(reply.payload.data(), reply.payload.data() + reply.payload.size(), tx);
            if (is_error(reply) || tx == 0) {
                ++result.errors;
                if (!stopping) begin(slot);
                return;
            }
            int guest = 1 + (client_ * 64 + slot) % spec_.guests;
            send(MsgType::Write, tx, write_payload(guest_key(guest, "state"), fmt::format("t{}", ++count_)));
            pending_[last_id_] = {slot, Stage::Write};
            send(MsgType::Write, tx, write_payload(guest_key(guest, "memory"), fmt::format("{}", count_)));
            pending_[last_id_] = {slot, Stage::Write};
            send(MsgType::TransactionEnd, tx, std::string("T\0", 2));
            pending_[last_id_] = {slot, Stage::Commit};
            return;
        }
        if (stage == Stage::Write) {
            if (is_error(reply)) ++result.errors;
            return;
        }
        if (is_error(reply, "EAGAIN"))
            ++result.conflicts;
        else if (is_error(reply))
            ++result.errors;
        else if (counting)
            ++result.ops;
        if (!stopping) begin(slot);
    }

  private:
    enum class Stage { Start, Write, Commit };
    void begin(int slot) {
        send(MsgType::TransactionStart, 0, std::string("\0", 1));
        pending_[last_id_] = {slot, Stage::Start};
    }
    std::unordered_map<uint32_t, std::pair<int, Stage>> pending_;
    uint64_t count_ = 0;
};

std::unique_ptr<Driver> make_driver(LoadKind kind, StorePipe& pipe, const LoadSpec& spec, int client) {
    if (kind == LoadKind::Transactions) return std::make_unique<TransactionDriver>(pipe, spec, client);
    return std::make_unique<ReadWriteDriver>(pipe, spec, client, kind == LoadKind::Writes);
}

// Runs one client from the common start until the deadline, then drains its replies.
Result<LoadResult> run_client(Driver& driver, StorePipe& pipe, Clock::time_point deadline) {
    driver.start();
    SF_TRY(pipe.flush());
    std::vector<Message> replies;
    Clock::time_point give_up = deadline + std::chrono::seconds(10);
    while (!driver.stopping || driver.in_flight > 0) {
        Clock::time_point now = Clock::now();
        if (now >= deadline) driver.stopping = true;
        if (now >= give_up) return error("{} replies still missing 10 s after the end", driver.in_flight);
        replies.clear();
        SF_TRY(pipe.receive(replies, 100));
        for (const Message& reply : replies) {
            if (reply.type() == MsgType::WatchEvent) continue;
            --driver.in_flight;
            driver.on_reply(reply, !driver.stopping);
        }
        SF_TRY(pipe.flush());
    }
    return driver.result;
}

} // namespace

Result<LoadResult> run_load(LoadKind kind, const LoadSpec& spec) {
    std::vector<StorePipe> pipes;
    for (int c = 0; c < spec.clients; ++c) {
        SF_TRY_ASSIGN(StorePipe pipe, StorePipe::connect(spec.socket_path));
        pipes.push_back(std::move(pipe));
    }
    std::vector<Result<LoadResult>> results(size_t(spec.clients), LoadResult{});
    std::latch ready(spec.clients + 1);
    Clock::time_point deadline{};
    std::vector<std::thread> threads;
    for (int c = 0; c < spec.clients; ++c) {
        threads.emplace_back([&, c] {
            auto driver = make_driver(kind, pipes[size_t(c)], spec, c);
            ready.arrive_and_wait();
            results[size_t(c)] = run_client(*driver, pipes[size_t(c)], deadline);
        });
    }
    deadline = Clock::now() +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(spec.seconds));
    ready.arrive_and_wait(); // the deadline is written before any client reads it
    for (auto& t : threads)
        t.join();
    LoadResult total;
    total.elapsed_s = spec.seconds;
    for (auto& r : results) {
        if (!r.ok()) return std::move(r).error();
        total.ops += r->ops, total.errors += r->errors, total.conflicts += r->conflicts;
    }
    return total;
}

} // namespace sf::bench
