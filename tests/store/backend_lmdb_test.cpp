// superfluid store tests: what only the LMDB back-end promises: data survives
// reopening (also after kill -9 with transactions open), long paths keep
// their keys across reopen, a corrupt record or a full map is an error and
// not a crash (any bytes are an error naming the path, or exactly a node's
// record), calls may come from different threads, and a Store on it finds
// its tree again.
#include "backend_test_support.h"

#include "store/lmdb_backend.h"
#include "store/lmdb_record.h"
#include "store/store.h"

#include <lmdb.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>

namespace sf::store::test {
namespace {

using namespace std::string_literals;

std::unique_ptr<LmdbBackend> open_ok(const std::string& dir, const LmdbOptions& options = {}) {
    auto opened = LmdbBackend::open(dir, options);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
}

void apply_ok(Backend& backend, const ChangeSet& changes) {
    auto applied = backend.apply(changes);
    ASSERT_TRUE(applied.ok()) << applied.error().message;
}

std::string value_of(Backend& backend, std::string_view path) {
    auto node = backend.read(path);
    if (!node.ok()) return "error: " + node.error().message;
    return *node ? (*node)->value : "absent";
}

// Writes `value` under `key` in the "nodes" database with LMDB directly (a corrupt record).
void poke_raw(const std::string& dir, const std::string& key, const std::string& value) {
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 3);
    ASSERT_EQ(mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0600), 0);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    MDB_dbi dbi = 0;
    ASSERT_EQ(mdb_dbi_open(txn, "nodes", 0, &dbi), 0);
    MDB_val k{key.size(), const_cast<char*>(key.data())}, v{value.size(), const_cast<char*>(value.data())};
    ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

TEST(LmdbRecord, RoundTripsAndRefusesEveryTruncation) {
    std::string path = "/" + std::string(600, 'p');
    lmdb::StoredNode stored{.id = 77,
                            .node = Node{"val\0ue"s, Permissions{{{3, Access::Read}, {9, Access::Both}}}, 5},
                            .path_in_record = true,
                            .path = path};
    std::string bytes = lmdb::encode_record(stored);
    auto back = lmdb::decode_record(bytes, path);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->id, 77u);
    EXPECT_EQ(back->node, stored.node);
    EXPECT_EQ(back->path, path);
    EXPECT_FALSE(lmdb::decode_record(bytes, path + "x").ok()); // another path's record
    for (size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_FALSE(lmdb::decode_record(std::string_view(bytes).substr(0, n), path).ok()) << n << " bytes";
    }
    EXPECT_FALSE(lmdb::decode_record(bytes + "!", path).ok());
}

// A record as LmdbBackend writes it, with random fields.
std::string random_record(std::mt19937& rng) {
    lmdb::StoredNode stored;
    stored.id = rng();
    stored.node.generation = rng() % 3 == 0 ? rng() : rng() % 10;
    for (auto i = rng() % 4; i > 0; --i)
        stored.node.perms.entries.push_back(
            {static_cast<DomainId>(rng() % 40), static_cast<Access>(rng() % 4)});
    stored.node.value = std::string(rng() % 24, static_cast<char>('a' + rng() % 26));
    stored.path_in_record = rng() % 2 == 0;
    if (stored.path_in_record) stored.path = "/x";
    return lmdb::encode_record(stored);
}

// Changes one to three bytes, cuts, or lengthens a record.
std::string mutated(std::string bytes, std::mt19937& rng) {
    switch (rng() % 4) {
    case 0: return bytes.substr(0, rng() % (bytes.size() + 1));
    case 1: return bytes + static_cast<char>(rng());
    default:
        for (auto i = 1 + rng() % 3; i > 0 && !bytes.empty(); --i)
            bytes[rng() % bytes.size()] = static_cast<char>(rng() % 4 == 0 ? rng() % 4 : rng());
        return bytes;
    }
}

// Bytes found under /x's key, random or a damaged record: either an error
// that names the path, or a node whose record is exactly those bytes (the
// decoder reads every field the encoder writes, and nothing else).
TEST(LmdbRecord, AnyBytesAreAnErrorOrExactlyTheRecordOfANode) {
    std::mt19937 rng(5);
    int nodes = 0, errors = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string bytes;
        if (i % 4 == 0) {
            bytes.resize(rng() % 64);
            for (char& c : bytes)
                c = static_cast<char>(rng() % 4 == 0 ? rng() % 4 : rng());
            if (!bytes.empty() && rng() % 2) bytes[0] = 1; // mostly the right version
        } else {
            bytes = i % 4 == 1 ? random_record(rng) : mutated(random_record(rng), rng);
        }
        auto decoded = lmdb::decode_record(bytes, "/x");
        if (decoded.ok()) {
            ++nodes;
            ASSERT_EQ(lmdb::encode_record(*decoded), bytes)
                << "record " << i << " decoded to another node's record";
        } else {
            ++errors;
            ASSERT_NE(decoded.error().message.find("corrupt record for /x: "), std::string::npos)
                << decoded.error().message;
        }
    }
    EXPECT_GT(nodes, 5000) << "good records (a quarter of the inputs) and harmless changes decode";
    EXPECT_GT(errors, 5000) << "random bytes and most damage are refused";
}

TEST(LmdbBackend, CreatesItsDirectoryAndNeedsOne) {
    TempDir dir;
    EXPECT_NE(open_ok(dir.sub("a/b/c")), nullptr);
    EXPECT_TRUE(std::filesystem::exists(dir.sub("a/b/c/data.mdb")));
    auto none = LmdbBackend::open("");
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().kind, ErrorKind::InvalidArgument);
}

TEST(LmdbBackend, OneOpenerAtATime) {
    TempDir dir;
    auto first = open_ok(dir.path());
    auto second = LmdbBackend::open(dir.path());
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().kind, ErrorKind::Conflict);
    EXPECT_NE(second.error().message.find("another store"), std::string::npos) << second.error().message;
    first.reset();
    EXPECT_NE(open_ok(dir.path()), nullptr);
}

TEST(LmdbBackend, DataSurvivesReopen) {
    TempDir dir;
    {
        auto backend = open_ok(dir.path());
        apply_ok(*backend, set_of({put_change("/", ""), put_change("/a", "1"), put_change("/a/b", "2", 7)}));
        apply_ok(*backend, set_of({put_change("/c", "3"), erase_change("/c")}));
    }
    auto backend = open_ok(dir.path());
    EXPECT_EQ(value_of(*backend, "/a/b"), "2");
    EXPECT_EQ((*backend->read("/a/b"))->generation, 7u);
    EXPECT_EQ(value_of(*backend, "/c"), "absent");
    EXPECT_EQ(*backend->children("/"), std::vector<std::string>{"a"});
    apply_ok(*backend, set_of({put_change("/d", "4")})); // ids keep counting from where they were
    EXPECT_EQ(*backend->children("/"), (std::vector<std::string>{"a", "d"}));
    EXPECT_TRUE(backend->children("/d")->empty());
}

TEST(LmdbBackend, LongPathsSurviveReopen) {
    TempDir dir;
    std::string base = "/" + std::string(500, 'x'); // 501 bytes: still a plain key
    std::string longer = base + "/" + std::string(600, 'y');
    std::string sibling = base + "/" + std::string(599, 'y') + "z"; // same cut prefix, another hash
    {
        auto backend = open_ok(dir.path());
        apply_ok(*backend, set_of({put_change("/", ""), put_change(base, "b"), put_change(longer, "l"),
                                   put_change(sibling, "s"), put_change(longer + "/leaf", "leaf")}));
    }
    auto backend = open_ok(dir.path());
    EXPECT_EQ(value_of(*backend, longer), "l");
    EXPECT_EQ(value_of(*backend, sibling), "s");
    EXPECT_EQ(value_of(*backend, longer + "/leaf"), "leaf");
    EXPECT_EQ(backend->children(base)->size(), 2u);
    EXPECT_EQ(*backend->children(longer), std::vector<std::string>{"leaf"});
    EXPECT_FALSE(backend->apply(set_of({erase_change(longer)})).ok()); // still has its leaf
    apply_ok(*backend, set_of({erase_change(longer + "/leaf"), erase_change(longer)}));
    EXPECT_EQ(value_of(*backend, longer), "absent");
    EXPECT_EQ(value_of(*backend, sibling), "s");
}

TEST(LmdbBackend, CorruptRecordIsAnErrorNamingThePath) {
    TempDir dir;
    {
        auto backend = open_ok(dir.path());
        apply_ok(*backend, set_of({put_change("/", ""), put_change("/a", "1"), put_change("/b", "2")}));
    }
    poke_raw(dir.path(), "/a", std::string("\x01\x00\x05", 3));    // truncated
    poke_raw(dir.path(), "/b", std::string("\x09rest of it", 11)); // unknown version
    auto backend = open_ok(dir.path());
    auto a = backend->read("/a");
    ASSERT_FALSE(a.ok());
    EXPECT_NE(a.error().message.find("/a"), std::string::npos) << a.error().message;
    auto b = backend->read("/b");
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message.find("version 9"), std::string::npos) << b.error().message;
    EXPECT_FALSE(backend->for_each([](std::string_view, const Node&) {}).ok());
    EXPECT_FALSE(backend->apply(set_of({put_change("/a/c", "x")})).ok()); // needs /a's record
    EXPECT_EQ(*backend->children("/"), (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(backend->apply(set_of({put_change("/a", "x")})).ok()); // its id (children's link) is lost
    apply_ok(*backend, set_of({put_change("/c", "3")}));                // the rest still works
}

TEST(LmdbBackend, FullMapIsAnErrorAndChangesNothing) {
    TempDir dir;
    auto backend = open_ok(dir.path(), LmdbOptions{.map_size = 1 << 20});
    apply_ok(*backend, set_of({put_change("/", ""), put_change("/kept", "yes")}));
    bool full = false;
    for (int round = 0; round < 100 && !full; ++round) {
        ChangeSet set;
        for (int i = 0; i < 20; ++i)
            set.changes.push_back(put_change(fmt::format("/r{}-{}", round, i), std::string(2000, 'v')));
        auto applied = backend->apply(set);
        if (!applied.ok()) {
            full = true;
            EXPECT_EQ(applied.error().kind, ErrorKind::ResourceExhausted) << applied.error().message;
            EXPECT_EQ(value_of(*backend, fmt::format("/r{}-0", round)), "absent");
        }
    }
    EXPECT_TRUE(full);
    EXPECT_EQ(value_of(*backend, "/kept"), "yes");
    apply_ok(*backend, set_of({erase_change("/r0-0"), erase_change("/r0-1")}));
}

// A process killed with transactions open (a reader slot held, a write half done)
// leaves a lock file that the next open clears; nothing of the open write is seen.
TEST(LmdbBackend, ReopensAfterKillWithTransactionsOpen) {
    TempDir dir;
    {
        auto backend = open_ok(dir.path());
        apply_ok(*backend, set_of({put_change("/", ""), put_change("/committed", "1")}));
    }
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto opened = LmdbBackend::open(dir.path());
        if (!opened.ok()) _exit(2);
        (void)(*opened)->read("/committed"); // keeps a reader slot
        MDB_env* env = nullptr;
        mdb_env_create(&env);
        mdb_env_set_maxdbs(env, 3);
        if (mdb_env_open(env, dir.path().c_str(), MDB_NOTLS, 0600) != 0) _exit(3);
        MDB_txn* txn = nullptr;
        MDB_dbi dbi = 0;
        if (mdb_txn_begin(env, nullptr, 0, &txn) != 0 || mdb_dbi_open(txn, "nodes", 0, &dbi) != 0) _exit(4);
        std::string key = "/uncommitted";
        MDB_val k{key.size(), key.data()}, v{1, key.data()};
        mdb_put(txn, dbi, &k, &v, 0);
        raise(SIGKILL); // holding the writer lock
        _exit(5);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
    auto backend = open_ok(dir.path());
    EXPECT_EQ(value_of(*backend, "/committed"), "1");
    EXPECT_EQ(value_of(*backend, "/uncommitted"), "absent");
    apply_ok(*backend, set_of({put_change("/after", "2")}));
    EXPECT_EQ(value_of(*backend, "/after"), "2");
}

TEST(LmdbBackend, CallsMayComeFromAnyThread) {
    TempDir dir;
    auto backend = open_ok(dir.path());
    apply_ok(*backend, set_of({put_change("/", "")}));
    for (int i = 0; i < 20; ++i) {
        std::thread writer([&] { apply_ok(*backend, set_of({put_change("/t" + std::to_string(i), "w")})); });
        writer.join();
        std::string seen;
        std::thread reader([&] { seen = value_of(*backend, "/t" + std::to_string(i)); });
        reader.join();
        EXPECT_EQ(seen, "w");
        EXPECT_EQ(backend->children("/")->size(), size_t(i + 1));
    }
}

TEST(LmdbBackend, StoreFindsItsTreeAfterReopen) {
    TempDir dir;
    for (int run = 0; run < 2; ++run) {
        auto created = Store::create(open_ok(dir.path()));
        ASSERT_TRUE(created.ok()) << created.error().message;
        Store& store = **created;
        ConnectionId dom0 = store.connect(kDom0, true);
        if (run == 0) {
            ASSERT_TRUE(store.write(dom0, 0, "/local/domain/3/name", "web").ok());
            ASSERT_TRUE(store.set_perms(dom0, 0, "/local/domain/3", Permissions{{{3, Access::None}}}).ok());
            auto tx = store.transaction_start(dom0);
            ASSERT_TRUE(tx.ok());
            ASSERT_TRUE(store.write(dom0, *tx, "/local/domain/3/state", "running").ok());
            ASSERT_TRUE(store.write(dom0, *tx, "/local/domain/3/memory", "2048").ok());
            ASSERT_TRUE(store.transaction_end(dom0, *tx, true).ok());
            continue;
        }
        auto read = [&](ConnectionId c, std::string_view path) {
            auto value = store.read(c, 0, path);
            return value.ok() ? *value : std::string("error ") + errno_name(value.error());
        };
        EXPECT_EQ(read(dom0, "/local/domain/3/name"), "web");
        EXPECT_EQ(read(dom0, "/local/domain/3/state"), "running");
        auto names = store.directory(dom0, 0, "/local/domain/3");
        ASSERT_TRUE(names.ok());
        EXPECT_EQ(*names, (std::vector<std::string>{"memory", "name", "state"}));
        auto perms = store.get_perms(dom0, 0, "/local/domain/3");
        ASSERT_TRUE(perms.ok());
        EXPECT_EQ(perms->owner(), 3u);
        ConnectionId guest = store.connect(3, false); // owns its home: may write below it
        EXPECT_TRUE(store.write(guest, 0, "data/x", "1").ok());
        EXPECT_EQ(read(guest, "data/x"), "1");
        EXPECT_EQ(read(guest, "name"), "error EACCES"); // written before the home changed hands
    }
}

} // namespace
} // namespace sf::store::test
