// superfluid store tests: an acknowledged write survives kill -9 (store.durability).
//
// Runs the real build/bin/sfstore --backend lmdb for several rounds on one
// data directory. In each round two writers run until the store is killed
// with SIGKILL at a random moment: Debian's xenstore-write (one process per
// key, XENSTORED_PATH pointing at our socket) and a StoreClient that writes
// keys, bumps a counter, commits two-key transactions and removes some of
// its keys as fast as it can. After each kill the store is restarted and
// every key acknowledged in any round must be there with its value, every
// acknowledged rm must stay done; the counter is the last acknowledged value
// or the one in flight; an unacknowledged transaction is all or nothing. At
// the end Debian's xenstore-read reads back what xenstore-write wrote.
#include "backend_test_support.h"

#include "store/store_client.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace sf::store::test {
namespace {

using namespace std::chrono_literals;

// A child process started with posix_spawn, killed (SIGKILL) and reaped on destruction.
class Child {
  public:
    Child(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
          const std::string& log) {
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        std::vector<std::string> env_strings(extra_env);
        for (char** e = environ; *e; ++e)
            env_strings.emplace_back(*e);
        std::vector<char*> env;
        for (auto& e : env_strings)
            env.push_back(e.data());
        env.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), env.data()) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
    }
    ~Child() {
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            wait();
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    bool started() const { return pid_ > 0; }
    void kill_now() { kill(pid_, SIGKILL); }
    // The wait status.
    int wait() {
        if (!reaped_ && waitpid(pid_, &status_, 0) == pid_) reaped_ = true;
        return status_;
    }

  private:
    pid_t pid_ = -1;
    int status_ = -1;
    bool reaped_ = false;
};

// Runs a program to its end; whether it exited with status 0.
bool run_ok(const std::vector<std::string>& argv, const std::vector<std::string>& env,
            const std::string& log) {
    Child child(argv, env, log);
    if (!child.started()) return false;
    int status = child.wait();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Runs a program to its end with its output in `out_path`; that output, or nullopt when it failed.
std::optional<std::string> run_output(const std::vector<std::string>& argv,
                                      const std::vector<std::string>& env, const std::string& out_path) {
    std::filesystem::remove(out_path);
    if (!run_ok(argv, env, out_path)) return std::nullopt;
    std::ifstream in(out_path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::unique_ptr<StoreClient> connect_when_ready(const std::string& socket) {
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < deadline;) {
        if (auto client = StoreClient::connect(socket); client.ok()) return std::move(client).value();
        std::this_thread::sleep_for(5ms);
    }
    return nullptr;
}

struct Acknowledged {
    std::mutex mutex;
    std::map<std::string, std::string> keys; // every acknowledged key -> value, all rounds
    uint64_t counter_acked = 0;              // last acknowledged /durability/counter
    std::set<std::string> removed;           // acknowledged rm
    // A transaction's keys whose commit got no reply.
    std::vector<std::pair<std::string, std::string>> open_tx;
    void add(const std::string& key, const std::string& value) {
        std::lock_guard lock(mutex);
        keys[key] = value;
    }
    // Whether `key` was acknowledged; it is no longer expected either way.
    bool forget(const std::string& key) {
        std::lock_guard lock(mutex);
        return keys.erase(key) > 0;
    }
};

// xenstore-write, one process per key, until one fails or `stop`.
void xenstore_writer(const std::string& socket, const std::string& log, int round,
                     const std::atomic<bool>& stop, Acknowledged& acked) {
    for (int i = 0; !stop; ++i) {
        std::string key = fmt::format("/durability/xs/r{}/k{}", round, i),
                    value = fmt::format("xs-{}-{}", round, i);
        if (!run_ok({"xenstore-write", key, value}, {"XENSTORED_PATH=" + socket}, log)) return;
        acked.add(key, value);
    }
}

// StoreClient: plain writes, the counter, two-key transactions, until an error.
void client_writer(StoreClient& client, int round, Acknowledged& acked) {
    for (int i = 0;; ++i) {
        std::string key = fmt::format("/durability/c/r{}/k{}", round, i),
                    value = std::string(100 + i % 900, 'a' + char(i % 26));
        if (!client.write(key, value).ok()) return;
        acked.add(key, value);
        uint64_t next = acked.counter_acked + 1;
        if (!client.write("/durability/counter", std::to_string(next)).ok()) return;
        acked.counter_acked = next;
        auto tx = client.transaction_start();
        if (!tx.ok()) return;
        std::vector<std::pair<std::string, std::string>> pair{
            {fmt::format("/durability/tx/r{}/t{}/a", round, i), "a" + std::to_string(i)},
            {fmt::format("/durability/tx/r{}/t{}/b", round, i), "b" + std::to_string(i)}};
        for (const auto& [k, v] : pair) {
            if (!client.write(k, v, *tx).ok()) return;
        }
        acked.open_tx = pair;
        if (!client.transaction_end(*tx, true).ok()) return;
        acked.open_tx.clear();
        for (const auto& [k, v] : pair)
            acked.add(k, v);
        std::string old = fmt::format("/durability/c/r{}/k{}", round, i - 3);
        if (i % 5 == 4 && acked.forget(old)) { // gone once acknowledged, either way before
            if (!client.rm(old).ok()) return;
            acked.removed.insert(old);
        }
    }
}

void check_everything(StoreClient& client, Acknowledged& acked, int round) {
    size_t missing = 0;
    for (const auto& [key, value] : acked.keys) {
        auto read = client.read(key);
        if (!read.ok() || *read != value) {
            if (++missing <= 5)
                ADD_FAILURE() << "round " << round << ": acknowledged " << key << " is "
                              << (read.ok() ? "'" + *read + "'" : errno_name(read.error()));
        }
    }
    EXPECT_EQ(missing, 0u) << "of " << acked.keys.size() << " acknowledged keys";
    for (const auto& key : acked.removed) {
        auto read = client.read(key);
        EXPECT_TRUE(!read.ok() && read.error() == StoreError::NotFound) << "removed " << key << " is back";
    }
    auto counter = client.read("/durability/counter");
    if (acked.counter_acked > 0) {
        ASSERT_TRUE(counter.ok());
        uint64_t seen = std::stoull(*counter);
        EXPECT_TRUE(seen == acked.counter_acked || seen == acked.counter_acked + 1)
            << "counter " << seen << ", last acknowledged " << acked.counter_acked;
        acked.counter_acked = seen;
    }
    if (!acked.open_tx.empty()) { // the commit in flight: both keys or neither
        bool a = client.read(acked.open_tx[0].first).ok(), b = client.read(acked.open_tx[1].first).ok();
        EXPECT_EQ(a, b) << "a transaction was half applied: " << acked.open_tx[0].first;
        if (a && b) {
            for (const auto& [k, v] : acked.open_tx)
                acked.keys[k] = v;
        }
        acked.open_tx.clear();
    }
}

// Reads back what xenstore-write was acknowledged with Debian's xenstore-read, 50 keys a call.
void check_with_xenstore_read(const std::string& socket, const std::string& scratch, Acknowledged& acked) {
    std::vector<std::pair<std::string, std::string>> xs;
    for (const auto& kv : acked.keys) {
        if (kv.first.starts_with("/durability/xs/")) xs.push_back(kv);
    }
    for (size_t first = 0; first < xs.size(); first += 50) {
        std::vector<std::string> argv{"xenstore-read"};
        std::string expected;
        for (size_t i = first; i < std::min(xs.size(), first + 50); ++i) {
            argv.push_back(xs[i].first);
            expected += xs[i].second + "\n";
        }
        auto output = run_output(argv, {"XENSTORED_PATH=" + socket}, scratch);
        ASSERT_TRUE(output.has_value()) << "xenstore-read failed";
        EXPECT_EQ(*output, expected);
    }
}

TEST(StoreDurability, AcknowledgedWritesSurviveKill9) {
    constexpr int kRounds = 6;
    TempDir dir;
    std::string socket = dir.sub("store.sock"), data = dir.sub("data"), log = dir.sub("log");
    std::vector<std::string> argv{
        SF_BIN_DIR "/sfstore", "--backend", "lmdb", "--data", data, "--socket", socket};
    Acknowledged acked;
    std::mt19937 rng(std::random_device{}());
    for (int round = 0; round <= kRounds; ++round) {
        Child store(argv, {}, log);
        ASSERT_TRUE(store.started());
        auto checker = connect_when_ready(socket);
        ASSERT_NE(checker, nullptr) << "sfstore did not come up (log: " << log << ")";
        check_everything(*checker, acked, round);
        if (round == kRounds) {
            check_with_xenstore_read(socket, dir.sub("xenstore-read.out"), acked);
            break;
        }
        auto writer_client = StoreClient::connect(socket);
        ASSERT_TRUE(writer_client.ok());
        std::atomic<bool> stop = false;
        std::thread xs([&] { xenstore_writer(socket, log, round, stop, acked); });
        std::thread cl([&] { client_writer(**writer_client, round, acked); });
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
        store.kill_now();
        stop = true;
        xs.join();
        cl.join();
        int status = store.wait();
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "sfstore status " << status;
    }
    EXPECT_GT(acked.keys.size(), size_t(kRounds * 10)) << "too few writes to mean anything";
    size_t xs = 0;
    for (const auto& kv : acked.keys)
        xs += kv.first.starts_with("/durability/xs/") ? 1 : 0;
    std::printf("%zu acknowledged keys (%zu by xenstore-write) and %zu removals checked after %d kills\n",
                acked.keys.size(), xs, acked.removed.size(), kRounds);
}

} // namespace
} // namespace sf::store::test
