// superfluid tests: build/bin/sfstore driven by Debian's xenstore-utils (XENSTORED_PATH=socket).
#include "clients_test_support.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

namespace sf::store::test {
namespace {

using namespace std::chrono_literals;

TEST_F(RealClients, WriteReadListExistsRm) {
    auto write = xs("xenstore-write /vm/1/name alpha /vm/1/memory 64");
    ASSERT_EQ(write.status, 0) << write.output;
    EXPECT_EQ(xs("xenstore-read /vm/1/name").output, "alpha\n");
    EXPECT_EQ(xs("xenstore-read /vm/1/name /vm/1/memory").output, "alpha\n64\n");
    EXPECT_EQ(xs("xenstore-read -p /vm/1/memory").output, "/vm/1/memory: 64\n");
    EXPECT_EQ(xs("xenstore-list /vm/1").output, "memory\nname\n");
    EXPECT_EQ(xs("xenstore-exists /vm/1/name").status, 0);
    EXPECT_NE(xs("xenstore-exists /vm/1/nothing").status, 0);
    auto missing = xs("xenstore-read /vm/1/nothing");
    EXPECT_NE(missing.status, 0);
    EXPECT_NE(missing.output.find("couldn't read path /vm/1/nothing"), std::string::npos) << missing.output;
    ASSERT_EQ(xs("xenstore-rm /vm/1/memory").status, 0);
    EXPECT_EQ(xs("xenstore-list /vm/1").output, "name\n");
    ASSERT_EQ(xs("xenstore-rm /vm").status, 0);
    EXPECT_NE(xs("xenstore-exists /vm/1/name").status, 0);
}

TEST_F(RealClients, LsPrintsTheTree) {
    ASSERT_EQ(xs("xenstore-write /t/a 1 /t/b/c 'two words'").status, 0);
    EXPECT_EQ(xs("xenstore-ls /t").output, "a = \"1\"\nb = \"\"\n c = \"two words\"\n");
    EXPECT_EQ(xs("xenstore-ls -f /t").output, "/t/a = \"1\"\n/t/b = \"\"\n/t/b/c = \"two words\"\n");
    auto root = xs("xenstore-ls");
    EXPECT_EQ(root.status, 0);
    EXPECT_NE(root.output.find("local = \"\"\n domain = \"\"\n"), std::string::npos) << root.output;
    EXPECT_NE(root.output.find("tool = \"\"\n"), std::string::npos) << root.output;
}

TEST_F(RealClients, LsOfALongDirectoryUsesDirectoryPart) {
    std::string args;
    for (int i = 0; i < 160; ++i)
        args += " /long/child-with-a-long-long-name-" + std::to_string(1000 + i) + " v";
    ASSERT_EQ(xs("xenstore-write" + args).status, 0);
    auto list = xs("xenstore-list /long");
    ASSERT_EQ(list.status, 0) << list.output.substr(0, 200);
    EXPECT_EQ(std::count(list.output.begin(), list.output.end(), '\n'), 160);
    // More than 4096 bytes of names: DIRECTORY is E2BIG and libxenstore assembles DIRECTORY_PART replies.
    EXPECT_EQ(list.output.substr(0, 33), "child-with-a-long-long-name-1000\n");
    EXPECT_NE(list.output.find("child-with-a-long-long-name-1159\n"), std::string::npos);
}

TEST_F(RealClients, ChmodSetsPermissionsThatLsShows) {
    ASSERT_EQ(xs("xenstore-write /p/node v").status, 0);
    auto chmod = xs("xenstore-chmod /p/node n1 r2 b3");
    ASSERT_EQ(chmod.status, 0) << chmod.output;
    // xenstore-ls pads with dots to its output width, then prints the permissions.
    const std::string ls = xs("xenstore-ls -p /p").output;
    EXPECT_EQ(ls.substr(0, 11), "node = \"v\" ") << ls;
    EXPECT_EQ(ls.substr(ls.size() - 12), " (n1,r2,b3)\n") << ls;
    auto bad = xs("xenstore-chmod /p/node q1");
    EXPECT_NE(bad.status, 0);
}

TEST_F(RealClients, WatchPrintsEvents) {
    ASSERT_EQ(xs("xenstore-write /w/k 0").status, 0);
    auto out = dir_.path() + "/watch.out";
    // Three events: the one at watch time, then two writes.
    std::string line =
        "XENSTORED_PATH=" + socket_ + " timeout 10 xenstore-watch -n 3 /w > " + out + " 2>&1 &";
    ASSERT_EQ(run_command(line).status, 0);
    ASSERT_TRUE(wait_for_lines(out, 1)) << slurp(out);
    ASSERT_EQ(xs("xenstore-write /w/k 1").status, 0);
    ASSERT_EQ(xs("xenstore-write /w/other/deep 2").status, 0);
    ASSERT_TRUE(wait_for_lines(out, 3)) << slurp(out);
    EXPECT_EQ(slurp(out), "/w\n/w/k\n/w/other/deep\n");
}

TEST_F(RealClients, RelativePathsResolveUnderDom0sHome) {
    ASSERT_EQ(xs("xenstore-write data/page hello").status, 0);
    EXPECT_EQ(xs("xenstore-read /local/domain/0/data/page").output, "hello\n");
    EXPECT_EQ(xs("xenstore-read data/page").output, "hello\n");
    auto out = dir_.path() + "/relwatch.out";
    std::string line =
        "XENSTORED_PATH=" + socket_ + " timeout 10 xenstore-watch -n 2 data > " + out + " 2>&1 &";
    ASSERT_EQ(run_command(line).status, 0);
    ASSERT_TRUE(wait_for_lines(out, 1)) << slurp(out);
    ASSERT_EQ(xs("xenstore-write /local/domain/0/data/page bye").status, 0);
    ASSERT_TRUE(wait_for_lines(out, 2)) << slurp(out);
    EXPECT_EQ(slurp(out), "data\ndata/page\n"); // a relative watch reports relative paths, as xenstored
}

TEST_F(RealClients, SfstoreCommandLine) {
    auto help = run_command(std::string(SF_BIN_DIR) + "/sfstore --help");
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.output.find("--socket"), std::string::npos);
    EXPECT_NE(help.output.find("--backend"), std::string::npos);
    auto no_data =
        run_command(std::string(SF_BIN_DIR) + "/sfstore --socket " + dir_.path() + "/x.sock --backend lmdb");
    EXPECT_NE(no_data.status, 0);
    EXPECT_EQ(no_data.output, "sfstore: --backend lmdb needs --data DIR\n");
    auto twice = run_command(std::string(SF_BIN_DIR) + "/sfstore --socket " + socket_);
    EXPECT_NE(twice.status, 0);
    EXPECT_NE(twice.output.find("another server is listening on " + socket_), std::string::npos)
        << twice.output;
    EXPECT_EQ(xs("xenstore-write /still/served yes").status, 0);

    struct stat st {};
    ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(store_->terminate(), 0);
    EXPECT_NE(::stat(socket_.c_str(), &st), 0) << "socket left behind";
}

TEST_F(RealClients, LmdbBackendKeepsDataAcrossRestarts) {
    store_.reset();
    const std::string data = dir_.path() + "/data";
    {
        SfstoreProcess lmdb(std::string(SF_BIN_DIR) + "/sfstore", socket_, "--backend lmdb --data " + data);
        ASSERT_TRUE(lmdb.ok()) << lmdb.first_line();
        EXPECT_NE(lmdb.first_line().find("lmdb"), std::string::npos);
        ASSERT_EQ(xs("xenstore-write /kept value").status, 0);
    }
    SfstoreProcess again(std::string(SF_BIN_DIR) + "/sfstore", socket_, "--backend lmdb --data " + data);
    ASSERT_TRUE(again.ok()) << again.first_line();
    EXPECT_EQ(xs("xenstore-read /kept").output, "value\n");
}

} // namespace
} // namespace sf::store::test
