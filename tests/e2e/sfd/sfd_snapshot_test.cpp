// superfluid sfd tests: save and restore end to end (docs/migration.md,
// "Save and restore"): a real sfd, real guests, sfctl save/restore. A kvcount
// guest keeps its counters, MAC and IP; a ticker's console goes on with the
// next tick; a guest's store subtree data/ comes back; a bad file (cut,
// corrupt, other version, not a file) is refused with a clear message and
// nothing is created. Runs in a private namespace (scripts/testns), like sfd.net.
#include "sfd_fixture.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

using sf::test::guest_image;
using sf::test::run_command;
using sf::test::Sfd;
using sf::test::shell;
using json = nlohmann::json;

namespace {

#define SF_SNAPSHOT_REQUIRE_NET()                                                                            \
    do {                                                                                                     \
        SF_SFD_REQUIRE_KVM();                                                                                \
        if (std::getenv("SF_TESTNS") == nullptr)                                                             \
            GTEST_SKIP()                                                                                     \
                << "SKIPPED: run under scripts/testns (ctest does): networks need a private namespace";      \
    } while (0)

struct TempDir {
    std::string path;
    TempDir() {
        char pattern[] = "/tmp/sf-snapshot-test-XXXXXX";
        path = ::mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

struct Cli {
    int status = -1;
    std::string out, err;
};

// sfctl ARGS against this sfd; stdout and stderr apart.
Cli sfctl(const Sfd& sfd, const std::string& args) {
    static int serial = 0;
    const std::string err_file =
        "/tmp/sf-snapshot-test-err-" + std::to_string(::getpid()) + "-" + std::to_string(++serial);
    Cli r;
    r.out = run_command(std::string(SF_BIN_DIR) + "/sfctl --socket " + sfd.socket() + " " + args + " 2>" +
                            err_file,
                        &r.status);
    std::ifstream in(err_file);
    r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::filesystem::remove(err_file);
    return r;
}

size_t lines(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

void create_network(Sfd& sfd, const std::string& name, const std::string& subnet) {
    auto created = sfd.post("/v1/networks", json{{"name", name}, {"subnet", subnet}}.dump());
    ASSERT_EQ(created.status, 201) << created.body;
}

json create(Sfd& sfd, json fields) {
    fields["wait"] = "output";
    auto created = sfd.create(fields);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json();
}

json network(Sfd& sfd, const std::string& name) {
    return sfd.get("/v1/networks/" + name).json();
}

size_t guest_count(Sfd& sfd) {
    json list = sfd.get("/v1/guests").json();
    if (list.is_object() && list.contains("guests")) list = list["guests"];
    return list.is_array() ? list.size() : SIZE_MAX;
}

std::string logs(Sfd& sfd, const std::string& ref) {
    return sfd.get("/v1/guests/" + ref + "/logs").body;
}

// kvcount's answers to these request lines, on one fresh TCP connection.
std::string kv(const std::string& ip, const std::string& requests) {
    std::string printf_arg;
    for (char c : requests)
        printf_arg += c == '\n' ? std::string("\\n") : std::string(1, c);
    return shell("printf '" + printf_arg + "' | nc -q1 -w3 " + ip + " 7000");
}

struct Tick {
    long index;
    long at_ms;
};

std::vector<Tick> ticks(const std::string& console) {
    std::vector<Tick> out;
    static const std::regex line(R"(tick ([0-9]+)/[0-9]+ at ([0-9]+) ms)");
    for (std::sregex_iterator it(console.begin(), console.end(), line), end; it != end; ++it)
        out.push_back({std::stol((*it)[1]), std::stol((*it)[2])});
    return out;
}

// The console of `ref` once it shows tick `index` (or 10 s pass).
std::string logs_with_tick(Sfd& sfd, const std::string& ref, long index) {
    std::string console;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
        console = logs(sfd, ref);
        auto t = ticks(console);
        if (!t.empty() && t.back().index >= index) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return console;
}

// Ticks 1, 2, 3... each once, in order: the sequence never restarted nor skipped.
void expect_one_sequence(const std::vector<Tick>& t, const std::string& console) {
    ASSERT_FALSE(t.empty()) << console;
    for (size_t i = 0; i < t.size(); ++i)
        ASSERT_EQ(t[i].index, static_cast<long>(i) + 1) << "tick " << i + 1 << " of the console:\n"
                                                        << console;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes, size_t length = SIZE_MAX) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(std::min(length, bytes.size())));
}

// Where things are in a snapshot file (docs/migration.md: 32-byte header,
// records of {u32 tag, u32 flags, u64 length, u64 checksum} + payload).
struct FileMap {
    size_t host_payload = 0, host_length = 0; // the Host record's JSON
    size_t full_page = 0;                     // a byte inside a page of a fully checksummed Memory record
    size_t end_record = 0;                    // the End record's header
    size_t records = 0;
};

FileMap map_file(const std::vector<uint8_t>& bytes) {
    FileMap map;
    size_t at = 32;
    while (at + 24 <= bytes.size()) {
        uint32_t tag, flags;
        uint64_t length;
        std::memcpy(&tag, &bytes[at], 4);
        std::memcpy(&flags, &bytes[at + 4], 4);
        std::memcpy(&length, &bytes[at + 8], 8);
        const size_t payload = at + 24;
        if (tag == 1) map.host_payload = payload, map.host_length = length;
        if (tag == 16 && (flags & 1) == 0 && map.full_page == 0 && length > 8) {
            uint32_t count;
            std::memcpy(&count, &bytes[payload], 4);
            map.full_page = payload + 8 + count * 8 + (count / 2) * 4096 + 2048; // mid-record, mid-page
        }
        if (tag == 255) map.end_record = at;
        ++map.records;
        at = payload + length;
    }
    return map;
}

class SfdSnapshot : public ::testing::Test {
  protected:
    TempDir dir;
};

// kvcount saved (and gone: its address free), restored from the file: the same
// MAC and IP, the counters where they were, and new INCRs count on from there.
TEST_F(SfdSnapshot, KvcountKeepsItsCountersAddressAndMac) {
    SF_SNAPSHOT_REQUIRE_NET();
    Sfd sfd({"--workers", "1", "--snapshot-dir", dir.path});
    create_network(sfd, "snet", "10.84.0.0/24");
    const long free_before = network(sfd, "snet").value("free_addresses", -1L);
    json guest = create(sfd, {{"image", guest_image("kvcount")}, {"net", "snet"}, {"name", "counter"}});
    ASSERT_TRUE(guest["nic"].is_object()) << guest.dump();
    const std::string ip = guest["nic"]["ip"], mac = guest["nic"]["mac"];
    ASSERT_EQ(kv(ip, "INCR a\nINCR a\nINCR b\nINCR a\n"), "1\n2\n1\n3\n");

    const std::string file = dir / "counter.snap";
    Cli saved = sfctl(sfd, "save counter " + file);
    ASSERT_EQ(saved.status, 0) << saved.err;
    EXPECT_EQ(saved.err, "");
    EXPECT_EQ(saved.out.rfind("saved counter to " + file + " (", 0), 0u) << saved.out;
    EXPECT_EQ(lines(saved.out), 1u) << saved.out;
    EXPECT_TRUE(std::filesystem::is_regular_file(file));
    EXPECT_FALSE(std::filesystem::exists(file + ".partial"));
    EXPECT_EQ((std::filesystem::status(file).permissions() & std::filesystem::perms::others_read),
              std::filesystem::perms::none)
        << "guest memory is not for everyone to read";

    // Gone, like after xl save: not listed, its address free (another guest may take it).
    EXPECT_EQ(sfd.get("/v1/guests/counter").status, 404);
    EXPECT_EQ(guest_count(sfd), 0u);
    EXPECT_EQ(network(sfd, "snet").value("free_addresses", -1L), free_before);
    auto squatter =
        sfd.create(json{{"image", guest_image("ping")}, {"net", "snet"}, {"ip", ip}, {"name", "squat"}});
    ASSERT_EQ(squatter.status, 201) << "the saved guest's address is free: " << squatter.body;
    ASSERT_EQ(sfd.del("/v1/guests/squat").status, 200);

    Cli restored = sfctl(sfd, "restore " + file);
    ASSERT_EQ(restored.status, 0) << restored.err;
    EXPECT_EQ(restored.err, "");
    EXPECT_TRUE(std::regex_match(restored.out, std::regex(R"(restored counter \(id [0-9]+, running\)\n)")))
        << restored.out;
    json info = sfd.get("/v1/guests/counter").json();
    EXPECT_EQ(info.value("state", ""), "running") << info.dump();
    ASSERT_TRUE(info["nic"].is_object()) << info.dump();
    EXPECT_EQ(info["nic"].value("ip", ""), ip);
    EXPECT_EQ(info["nic"].value("mac", ""), mac);
    EXPECT_EQ(info["nic"].value("network", ""), "snet");
    EXPECT_EQ(network(sfd, "snet").value("free_addresses", -1L), free_before - 1);
    EXPECT_EQ(kv(ip, "GET a\nGET b\nINCR a\nINCR c\n"), "3\n1\n4\n1\n");
    EXPECT_EQ(kv(ip, "GET a\n"), "4\n");
    // The file can be restored again once the first copy is gone (a snapshot is not used up).
    ASSERT_EQ(sfd.del("/v1/guests/counter").status, 200);
    ASSERT_EQ(sfctl(sfd, "restore " + file + " --name again").status, 0);
    EXPECT_EQ(kv(ip, "GET a\n"), "3\n");
}

// A ticker saved without --keep is gone; restored (after a pause longer than
// many ticks), its console holds what it had printed and goes on with the next
// tick: no tick twice, none missing, its clock never going back.
TEST_F(SfdSnapshot, TickerGoesOnWithTheNextTick) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--snapshot-dir", dir.path});
    json guest = create(sfd, {{"image", guest_image("ticker")}, {"cmdline", "100000 50"}, {"name", "tk"}});
    const std::string before = logs_with_tick(sfd, "tk", 5);
    ASSERT_GE(ticks(before).size(), 5u) << before;
    const std::string file = dir / "tk.snap";
    Cli saved = sfctl(sfd, "save tk " + file);
    ASSERT_EQ(saved.status, 0) << saved.err;
    EXPECT_EQ(sfd.get("/v1/guests/tk").status, 404);
    std::this_thread::sleep_for(std::chrono::milliseconds(1000)); // 20 ticks' worth while saved

    Cli restored = sfctl(sfd, "restore " + file);
    ASSERT_EQ(restored.status, 0) << restored.err;
    const long saved_last = ticks(before).back().index;
    const std::string after = logs_with_tick(sfd, "tk", saved_last + 10);
    EXPECT_EQ(after.rfind(before, 0), 0u) << "the restored console starts with what the saved one held";
    const std::vector<Tick> t = ticks(after);
    expect_one_sequence(t, after);
    ASSERT_GE(t.back().index, saved_last + 10) << after;
    // Whether the guest's clock stood still while it was saved depends on the host (a nested KVM
    // that ignores TSC writes lets the guest see the time that passed); it never goes back.
    long largest_gap = 0;
    for (size_t i = 1; i < t.size(); ++i) {
        EXPECT_GE(t[i].at_ms, t[i - 1].at_ms) << "tick " << t[i].index << ": the guest's clock went back\n"
                                              << after;
        largest_gap = std::max(largest_gap, t[i].at_ms - t[i - 1].at_ms);
    }
    std::printf("ticker saved for 1000 ms: largest step of its clock between two 50 ms ticks: %ld ms\n",
                largest_gap);
    EXPECT_EQ(sfd.get("/v1/guests/tk").json().value("state", ""), "running");
}

// --keep: the original runs on; the copy needs another name (409 otherwise,
// nothing created) and counts on from where the save caught it.
TEST_F(SfdSnapshot, TickerSavedWithKeepRunsOnAndItsCopyCountsOn) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--snapshot-dir", dir.path});
    json guest = create(sfd, {{"image", guest_image("ticker")}, {"cmdline", "100000 50"}, {"name", "tk"}});
    const uint64_t id = guest.value("id", uint64_t{0});
    ASSERT_GE(ticks(logs_with_tick(sfd, "tk", 3)).size(), 3u);
    const std::string file = dir / "tk.snap";
    Cli saved = sfctl(sfd, "save tk " + file + " --keep");
    ASSERT_EQ(saved.status, 0) << saved.err;
    EXPECT_NE(saved.out.find("; it runs on"), std::string::npos) << saved.out;
    const std::string at_save = logs(sfd, "tk");
    const long saved_upto =
        ticks(at_save).back().index; // the save caught at most this tick (it ran on since)
    EXPECT_EQ(sfd.get("/v1/guests/tk").json().value("state", ""), "running");
    const std::string original = logs_with_tick(sfd, "tk", saved_upto + 5);
    expect_one_sequence(ticks(original), original);
    EXPECT_GE(ticks(original).back().index, saved_upto + 5) << "the original ticks on after a save --keep";

    Cli clash = sfctl(sfd, "restore " + file);
    EXPECT_EQ(clash.status, 1);
    EXPECT_EQ(clash.err.rfind("sfctl restore: ", 0), 0u) << clash.err;
    EXPECT_NE(clash.err.find("'tk'"), std::string::npos) << clash.err;
    EXPECT_EQ(lines(clash.err), 1u) << clash.err;
    EXPECT_EQ(guest_count(sfd), 1u);

    Cli copy = sfctl(sfd, "restore " + file + " --name tk2");
    ASSERT_EQ(copy.status, 0) << copy.err;
    json info = sfd.get("/v1/guests/tk2").json();
    EXPECT_EQ(info.value("state", ""), "running") << info.dump();
    EXPECT_NE(info.value("id", uint64_t{0}), id);
    EXPECT_EQ(guest_count(sfd), 2u);
    const std::string copied = logs_with_tick(sfd, "tk2", saved_upto + 5);
    const std::vector<Tick> t = ticks(copied);
    expect_one_sequence(t, copied);
    EXPECT_GE(t.back().index, saved_upto + 5) << copied;
    // Both tick on, each on its own.
    const long original_now = ticks(logs(sfd, "tk")).back().index;
    EXPECT_GE(ticks(logs_with_tick(sfd, "tk", original_now + 3)).back().index, original_now + 3);
}

// A restore is admitted against committed memory like a create: with a
// budget of 6 MiB, a 4 MiB guest's copy is refused (409, nothing created)
// while the original runs, and restored once the original is gone.
TEST_F(SfdSnapshot, RestorePastTheCommittedMemoryBudgetIsRefused) {
    SF_SFD_REQUIRE_KVM();
    constexpr uint64_t MiB = 1ull << 20;
    Sfd sfd(
        {"--workers", "1", "--snapshot-dir", dir.path, "--overcommit", sf::test::overcommit_for(6 * MiB)});
    create(sfd, {{"image", guest_image("ticker")}, {"cmdline", "100000 50"}, {"name", "tk"}, {"mem", "4M"}});
    const std::string file = dir / "tk.snap";
    auto saved = sfd.post("/v1/guests/tk/save", json{{"file", file}, {"keep", true}}.dump());
    ASSERT_EQ(saved.status, 200) << saved.body;
    auto refused = sfd.post("/v1/guests/restore", json{{"file", file}, {"name", "tk2"}}.dump());
    EXPECT_EQ(refused.status, 409) << refused.body;
    EXPECT_NE(refused.body.find("not enough host memory for 4.0 MiB more: live guests have 4.0 MiB"),
              std::string::npos)
        << refused.body;
    EXPECT_EQ(guest_count(sfd), 1u);
    ASSERT_EQ(sfd.del("/v1/guests/tk").status, 200);
    auto restored = sfd.post("/v1/guests/restore", json{{"file", file}, {"name", "tk2"}}.dump());
    EXPECT_EQ(restored.status, 201) << restored.body;
}

// restore --paused leaves the guest paused (its console still), resume starts
// it where it was saved.
TEST_F(SfdSnapshot, RestorePausedWaitsForResume) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--snapshot-dir", dir.path});
    create(sfd, {{"image", guest_image("ticker")}, {"cmdline", "100000 50"}, {"name", "tk"}});
    ASSERT_GE(ticks(logs_with_tick(sfd, "tk", 3)).size(), 3u);
    const std::string file = dir / "tk.snap";
    ASSERT_EQ(sfctl(sfd, "save tk " + file).status, 0);
    Cli restored = sfctl(sfd, "restore " + file + " --paused");
    ASSERT_EQ(restored.status, 0) << restored.err;
    EXPECT_NE(restored.out.find("paused"), std::string::npos) << restored.out;
    EXPECT_EQ(sfd.get("/v1/guests/tk").json().value("state", ""), "paused");
    const std::string held = logs(sfd, "tk");
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // six ticks' worth
    EXPECT_EQ(logs(sfd, "tk"), held) << "a paused guest prints nothing";
    ASSERT_EQ(sfctl(sfd, "resume tk").status, 0);
    const long last = ticks(held).back().index;
    const std::string after = logs_with_tick(sfd, "tk", last + 3);
    expect_one_sequence(ticks(after), after);
    EXPECT_GE(ticks(after).back().index, last + 3) << after;
    EXPECT_EQ(sfd.get("/v1/guests/tk").json().value("state", ""), "running");
}

// The guest's store subtree data/ is in the file and comes back (under the
// restored guest's id); a --keep copy gets its own.
TEST_F(SfdSnapshot, StoreDataSubtreeComesBack) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--snapshot-dir", dir.path});
    json guest = create(sfd, {{"image", guest_image("ticker")}, {"cmdline", "100000 100"}, {"name", "st"}});
    const std::string id = std::to_string(guest.value("id", 0));
    const std::string xs = "XENSTORED_PATH=" + sfd.store_socket() + " xenstore-";
    ASSERT_EQ(shell(xs + "write /local/domain/" + id + "/data/color blue"), "");
    ASSERT_EQ(shell(xs + "write /local/domain/" + id + "/data/nested/deep 'two words'"), "");
    const std::string file = dir / "st.snap";
    ASSERT_EQ(sfctl(sfd, "save st " + file + " --keep").status, 0);
    ASSERT_EQ(shell(xs + "write /local/domain/" + id + "/data/color red"),
              ""); // after the save: not in the file

    ASSERT_EQ(sfctl(sfd, "restore " + file + " --name st2").status, 0);
    const std::string copy_id = std::to_string(sfd.get("/v1/guests/st2").json().value("id", 0));
    ASSERT_NE(copy_id, id);
    EXPECT_EQ(shell(xs + "read /local/domain/" + copy_id + "/data/color"), "blue\n");
    EXPECT_EQ(shell(xs + "read /local/domain/" + copy_id + "/data/nested/deep"), "two words\n");
    EXPECT_EQ(shell(xs + "read /local/domain/" + id + "/data/color"), "red\n") << "the original's own data";

    ASSERT_EQ(sfd.del("/v1/guests/st2").status, 200);
    ASSERT_EQ(sfctl(sfd, "save st " + file).status, 0);
    EXPECT_EQ(sfd.get("/v1/guests/st").status, 404);
    ASSERT_EQ(sfctl(sfd, "restore " + file).status, 0);
    const std::string back_id = std::to_string(sfd.get("/v1/guests/st").json().value("id", 0));
    EXPECT_EQ(shell(xs + "read /local/domain/" + back_id + "/data/color"), "red\n");
    EXPECT_EQ(shell(xs + "read /local/domain/" + back_id + "/data/nested/deep"), "two words\n");
}

// A restored guest gets an id this host picks, as a create would, never the
// one in the file (the sender's pick), even when that one is free here.
TEST_F(SfdSnapshot, ARestoredGuestGetsAnIdOfThisHost) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--snapshot-dir", dir.path});
    json first =
        create(sfd, {{"image", guest_image("ticker")}, {"cmdline", "100000 100"}, {"name", "first"}});
    ASSERT_EQ(first.value("id", 0), 1);
    const std::string file = dir / "first.snap";
    ASSERT_EQ(sfctl(sfd, "save first " + file).status, 0); // destroyed: id 1 is free again
    ASSERT_EQ(create(sfd, {{"image", guest_image("ticker")}, {"cmdline", "100000 100"}, {"name", "second"}})
                  .value("id", 0),
              2);
    Cli restored = sfctl(sfd, "restore " + file);
    ASSERT_EQ(restored.status, 0) << restored.err;
    EXPECT_EQ(sfd.get("/v1/guests/first").json().value("id", 0), 3) << "the host's next id, not the file's 1";
    EXPECT_EQ(sfd.get("/v1/guests/1").status, 404);
}

// Keys a guest could not have written itself (here a value over its 2 KiB
// quota, put there by dom0) do not come back with it: the restore is refused
// saying so (409), nothing is created, and the original keeps its keys.
TEST_F(SfdSnapshot, StoreDataOverTheGuestsQuotaIsRefused) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--snapshot-dir", dir.path});
    json guest = create(sfd, {{"image", guest_image("ticker")}, {"cmdline", "100000 100"}, {"name", "big"}});
    const std::string home = "/local/domain/" + std::to_string(guest.value("id", 0));
    const std::string xs = "XENSTORED_PATH=" + sfd.store_socket() + " xenstore-";
    const std::string large(3000, 'v');
    ASSERT_EQ(shell(xs + "write " + home + "/data/small fits"), "");
    ASSERT_EQ(shell(xs + "write " + home + "/data/large " + large), "");
    const std::string file = dir / "big.snap";
    ASSERT_EQ(sfctl(sfd, "save big " + file + " --keep").status, 0);

    auto refused = sfd.post("/v1/guests/restore", json{{"file", file}, {"name", "copy"}}.dump());
    EXPECT_EQ(refused.status, 409) << refused.body;
    const std::string message = refused.json().value("error", "");
    EXPECT_NE(message.find("data/large: E2BIG (a value larger than the guest may write)"), std::string::npos)
        << message;
    EXPECT_EQ(guest_count(sfd), 1u) << sfd.get("/v1/guests").body;
    EXPECT_EQ(sfd.get("/v1/guests/copy").status, 404);
    EXPECT_TRUE(std::filesystem::exists(file));
    EXPECT_EQ(shell(xs + "read " + home + "/data/large"), large + "\n")
        << "the original's keys are untouched";
    EXPECT_EQ(sfd.get("/v1/guests/big").json().value("state", ""), "running");

    // Within the quota the same guest comes back with its keys.
    ASSERT_EQ(shell(xs + "rm " + home + "/data/large"), "");
    ASSERT_EQ(sfctl(sfd, "save big " + file + " --keep").status, 0);
    auto restored = sfd.post("/v1/guests/restore", json{{"file", file}, {"name", "copy"}}.dump());
    ASSERT_EQ(restored.status, 201) << restored.body;
    const std::string copy_home = "/local/domain/" + std::to_string(restored.json().value("id", 0));
    EXPECT_EQ(shell(xs + "read " + copy_home + "/data/small"), "fits\n");
}

// Files that are cut, corrupt, of another version, or no file at all: refused
// before anything is built, with a message naming the problem; no guest is
// listed and the saved address stays free. The good file then restores.
TEST_F(SfdSnapshot, BadFilesAreRefusedAndNothingIsCreated) {
    SF_SNAPSHOT_REQUIRE_NET();
    Sfd sfd({"--workers", "1", "--snapshot-dir", dir.path});
    create_network(sfd, "bnet", "10.85.0.0/24");
    const long free_before = network(sfd, "bnet").value("free_addresses", -1L);
    json guest = create(sfd, {{"image", guest_image("kvcount")}, {"net", "bnet"}, {"name", "counter"}});
    const std::string ip = guest["nic"].value("ip", "");
    ASSERT_EQ(kv(ip, "INCR a\nINCR a\n"), "1\n2\n");
    const std::string good = dir / "good.snap";
    ASSERT_EQ(sfctl(sfd, "save counter " + good).status, 0);
    const std::vector<uint8_t> bytes = read_bytes(good);
    const FileMap map = map_file(bytes);
    ASSERT_GT(map.host_length, 0u) << "a Host record right after the header";
    ASSERT_GT(map.full_page, 0u) << "a Memory record checked whole (a save's pages are stable)";
    ASSERT_GT(map.end_record, 0u);
    std::printf("snapshot of kvcount: %zu bytes, %zu records\n", bytes.size(), map.records);

    struct Bad {
        std::string name, needle;
        int status = 400;
    };
    std::vector<Bad> bad;
    auto cut = [&](const std::string& name, size_t length) {
        write_bytes(dir / name, bytes, length);
        bad.push_back({name, "truncated"});
    };
    cut("cut-in-header", 16);
    cut("cut-after-header", 32);
    cut("cut-in-record-header", 40);
    cut("cut-in-host", map.host_payload + map.host_length / 2);
    cut("cut-in-middle", bytes.size() / 2);
    cut("cut-before-end", map.end_record);
    cut("cut-last-byte", bytes.size() - 1);
    auto flipped = [&](const std::string& name, size_t at, const std::string& needle) {
        std::vector<uint8_t> copy = bytes;
        copy[at] ^= 0x20;
        write_bytes(dir / name, copy);
        bad.push_back({name, needle});
    };
    flipped("flip-memory", map.full_page, "checksum");
    flipped("flip-host", map.host_payload + map.host_length / 2, "checksum");
    {
        std::vector<uint8_t> copy = bytes;
        const uint32_t version = 2;
        std::memcpy(&copy[8], &version, 4);
        write_bytes(dir / "version-2", copy);
        bad.push_back({"version-2", "version 2"});
        copy = bytes;
        copy[0] = 'X';
        write_bytes(dir / "bad-magic", copy);
        bad.push_back({"bad-magic", "not a superfluid snapshot"});
        copy = bytes;
        copy.insert(copy.end(), {'j', 'u', 'n', 'k'});
        write_bytes(dir / "trailing-junk", copy);
        bad.push_back({"trailing-junk", "after the End record"});
    }
    write_bytes(dir / "empty", {});
    bad.push_back({"empty", "truncated"});
    std::filesystem::create_directory(dir / "snapdir");
    bad.push_back({"snapdir", "not a regular file"});
    bad.push_back({"missing", "No such file", 404});
    // A file in the directory that is not a snapshot: refused without a byte of it in the message.
    std::ofstream(dir / "notes.txt") << "TOPSECRET-CONTENT of a file that is no snapshot\n";
    bad.push_back({"notes.txt", "not a superfluid snapshot"});
    // A symlink planted in the directory is not followed, even to a good snapshot.
    std::filesystem::create_symlink(good, dir / "link-to-good");
    bad.push_back({"link-to-good", "symlink"});

    for (const Bad& b : bad) {
        SCOPED_TRACE(b.name);
        const std::string path = dir / b.name;
        auto r = sfd.post("/v1/guests/restore", json{{"file", path}}.dump());
        EXPECT_EQ(r.status, b.status) << r.body;
        const std::string message = r.json().is_object() ? r.json().value("error", "") : "";
        EXPECT_NE(message.find(path), std::string::npos) << "the message names the file: " << message;
        EXPECT_NE(message.find(b.needle), std::string::npos) << "the message says what is wrong: " << message;
        EXPECT_EQ(message.find("TOPSECR"), std::string::npos)
            << "never the file's bytes (the old message quoted 8): " << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        EXPECT_EQ(guest_count(sfd), 0u) << sfd.get("/v1/guests").body;
        EXPECT_EQ(network(sfd, "bnet").value("free_addresses", -1L), free_before);
        EXPECT_EQ(sfd.get("/v1/guests/counter").status, 404);
    }
    // sfctl says the same on one line.
    Cli cli = sfctl(sfd, "restore " + (dir / "flip-memory"));
    EXPECT_EQ(cli.status, 1);
    EXPECT_EQ(cli.out, "");
    EXPECT_EQ(cli.err.rfind("sfctl restore: ", 0), 0u) << cli.err;
    EXPECT_NE(cli.err.find("checksum"), std::string::npos) << cli.err;
    EXPECT_EQ(lines(cli.err), 1u) << cli.err;
    // The address was never taken: a guest can have it, and nothing is left in any worker.
    auto squatter =
        sfd.create(json{{"image", guest_image("ping")}, {"net", "bnet"}, {"ip", ip}, {"name", "squat"}});
    ASSERT_EQ(squatter.status, 201) << squatter.body;
    ASSERT_EQ(sfd.del("/v1/guests/squat").status, 200);
    json host = sfd.get("/v1/host").json();
    for (const auto& w : host.value("workers", json::array()))
        EXPECT_EQ(w.value("guests", -1), 0) << "a worker holds a guest after refused restores: " << w.dump();

    // And the untouched file restores, counters intact.
    auto r = sfd.post("/v1/guests/restore", json{{"file", good}}.dump());
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.json()["nic"].value("ip", ""), ip);
    EXPECT_EQ(kv(ip, "INCR a\n"), "3\n");
}

// A restore over a name in use (the --keep original) is a 409, so is one under
// another name while the original holds the saved address: nothing changes.
TEST_F(SfdSnapshot, RestoreOverAnExistingGuestIs409AndChangesNothing) {
    SF_SNAPSHOT_REQUIRE_NET();
    Sfd sfd({"--workers", "1", "--snapshot-dir", dir.path});
    create_network(sfd, "cnet", "10.86.0.0/24");
    const long free_before = network(sfd, "cnet").value("free_addresses", -1L);
    json guest = create(sfd, {{"image", guest_image("kvcount")}, {"net", "cnet"}, {"name", "counter"}});
    const std::string ip = guest["nic"].value("ip", "");
    ASSERT_EQ(kv(ip, "INCR a\nINCR a\n"), "1\n2\n");
    const std::string file = dir / "counter.snap";
    ASSERT_EQ(sfctl(sfd, "save counter " + file + " --keep").status, 0);

    auto same_name = sfd.post("/v1/guests/restore", json{{"file", file}}.dump());
    EXPECT_EQ(same_name.status, 409) << same_name.body;
    EXPECT_NE(same_name.json().value("error", "").find("counter"), std::string::npos) << same_name.body;
    auto same_address = sfd.post("/v1/guests/restore", json{{"file", file}, {"name", "other"}}.dump());
    EXPECT_EQ(same_address.status, 409) << same_address.body;
    EXPECT_NE(same_address.json().value("error", "").find("address " + ip + " is already in use"),
              std::string::npos)
        << same_address.body;

    EXPECT_EQ(guest_count(sfd), 1u);
    json info = sfd.get("/v1/guests/counter").json();
    EXPECT_EQ(info.value("id", 0), guest.value("id", 0));
    EXPECT_EQ(info.value("state", ""), "running");
    EXPECT_EQ(info["nic"].value("mac", ""), guest["nic"].value("mac", ""));
    EXPECT_EQ(network(sfd, "cnet").value("free_addresses", -1L), free_before - 1);
    EXPECT_EQ(kv(ip, "INCR a\n"), "3\n") << "the original counts on";
}

// Saving: a name that is not in the snapshot directory is a 400, a file sfd
// cannot write fails with the guest running on and nothing left behind, a
// missing guest is one line from sfctl.
TEST_F(SfdSnapshot, SaveErrors) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--snapshot-dir", dir.path});
    create(sfd, {{"image", guest_image("ticker")}, {"cmdline", "100000 50"}, {"name", "tk"}});
    for (const char* outside : {"../tk.snap", "/tmp/tk.snap", "sub/tk.snap", ".hidden", "tk.snap/"}) {
        auto refused = sfd.post("/v1/guests/tk/save", json{{"file", outside}}.dump());
        EXPECT_EQ(refused.status, 400) << outside << ": " << refused.body;
        EXPECT_NE(refused.json().value("error", "").find("snapshot directory"), std::string::npos)
            << refused.body;
    }
    EXPECT_FALSE(std::filesystem::exists("/tmp/tk.snap"));
    EXPECT_EQ(sfd.post("/v1/guests/tk/save", R"({})").status, 400);
    EXPECT_EQ(sfd.post("/v1/guests/tk/save", R"({"file": "/tmp/x", "keep": "yes"})").status, 400);

    std::filesystem::create_directory(dir / "blocked.snap.partial"); // where the save must write: it cannot
    auto failed = sfd.post("/v1/guests/tk/save", json{{"file", "blocked.snap"}}.dump());
    EXPECT_GE(failed.status, 400) << failed.body;
    EXPECT_NE(failed.json().value("error", "").find("blocked.snap.partial"), std::string::npos)
        << failed.body;
    EXPECT_EQ(sfd.get("/v1/guests/tk").json().value("state", ""), "running")
        << "a failed save leaves it as it was";
    const long now = ticks(logs(sfd, "tk")).back().index;
    EXPECT_GE(ticks(logs_with_tick(sfd, "tk", now + 3)).back().index, now + 3) << "and it ticks on";
    std::filesystem::remove(dir / "blocked.snap.partial");
    EXPECT_TRUE(std::filesystem::is_empty(dir.path)) << "nothing written";

    Cli missing = sfctl(sfd, "save nope " + (dir / "nope.snap"));
    EXPECT_EQ(missing.status, 1);
    EXPECT_EQ(missing.out, "");
    EXPECT_EQ(missing.err.rfind("sfctl save: ", 0), 0u) << missing.err;
    EXPECT_NE(missing.err.find("nope"), std::string::npos) << missing.err;
    EXPECT_EQ(lines(missing.err), 1u) << missing.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "nope.snap"));
    EXPECT_FALSE(std::filesystem::exists(dir / "nope.snap.partial"));
    // A second save of the same guest while it runs, into the same file, replaces it.
    ASSERT_EQ(sfctl(sfd, "save tk " + (dir / "tk.snap") + " --keep").status, 0);
    ASSERT_EQ(sfctl(sfd, "save tk " + (dir / "tk.snap") + " --keep").status, 0);
    EXPECT_FALSE(std::filesystem::exists(dir / "tk.snap.partial"));
}

// Saving never writes through a link planted in the snapshot directory: a
// symlink or hard link at NAME.partial is replaced by a new file, a symlink
// at NAME is replaced by the snapshot; the files they pointed to are
// untouched. And without --snapshot-dir, save and restore are refused.
TEST_F(SfdSnapshot, SaveNeverWritesThroughPlantedLinks) {
    SF_SFD_REQUIRE_KVM();
    TempDir outside;
    const std::string victim = outside / "authorized_keys";
    std::ofstream(victim) << "ssh-ed25519 AAAA precious\n";
    Sfd sfd({"--workers", "1", "--snapshot-dir", dir.path});
    create(sfd, {{"image", guest_image("ticker")}, {"cmdline", "100000 50"}, {"name", "tk"}});
    std::filesystem::create_symlink(victim, dir / "a.snap.partial");
    std::filesystem::create_hard_link(victim, dir / "b.snap.partial");
    std::filesystem::create_symlink(victim, dir / "c.snap");
    for (const char* name : {"a.snap", "b.snap", "c.snap"}) {
        SCOPED_TRACE(name);
        auto saved = sfd.post("/v1/guests/tk/save", json{{"file", name}, {"keep", true}}.dump());
        EXPECT_EQ(saved.status, 200) << saved.body;
        EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::symlink_status(dir / name)));
        EXPECT_FALSE(
            std::filesystem::exists(std::filesystem::symlink_status(dir / (std::string(name) + ".partial"))));
    }
    std::ifstream in(victim);
    std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(kept, "ssh-ed25519 AAAA precious\n");

    Sfd bare({"--workers", "1"});
    create(bare, {{"image", guest_image("ticker")}, {"cmdline", "100000 50"}, {"name", "tk"}});
    auto no_dir = bare.post("/v1/guests/tk/save", json{{"file", dir / "d.snap"}}.dump());
    EXPECT_EQ(no_dir.status, 403) << no_dir.body;
    EXPECT_NE(no_dir.json().value("error", "").find("--snapshot-dir"), std::string::npos) << no_dir.body;
    auto restore = bare.post("/v1/guests/restore", json{{"file", dir / "a.snap"}}.dump());
    EXPECT_EQ(restore.status, 403) << restore.body;
    EXPECT_FALSE(std::filesystem::exists(dir / "d.snap"));
}

} // namespace
