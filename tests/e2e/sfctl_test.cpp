// End-to-end: `sfctl run` as a user runs it: output, exit status, one-line errors.
#include "e2e.h"
#include "elf_builder.h"

#include <filesystem>
#include <fstream>
#include <iterator>

using sf::test::bin_path;
using sf::test::guest_path;
using sf::test::ProcessResult;
using sf::test::run_process;

namespace {

ProcessResult sfctl(std::vector<std::string> args) {
    args.insert(args.begin(), bin_path("sfctl"));
    return run_process(args);
}

// One line, naming the problem.
void expect_one_error_line(const ProcessResult& r, const std::string& needle) {
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

class TempFile {
  public:
    explicit TempFile(const std::string& contents) {
        path_ = std::filesystem::temp_directory_path() /
                ("sf-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
        std::ofstream(path_, std::ios::binary) << contents;
    }
    ~TempFile() { std::filesystem::remove(path_); }
    std::string path() const { return path_.string(); }

  private:
    static inline int counter_ = 0;
    std::filesystem::path path_;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST(Sfctl, RunHelloPrintsItsLineAndExitsZero) {
    SF_REQUIRE_BACKEND();
    auto r = sfctl({"run", guest_path("hello"), "--cmdline", "one two", "--name", "cli"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("hello from superfluid: guest 'cli' id 1", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("cmdline \"one two\""), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");
}

TEST(Sfctl, ExitStatusIsTheGuests) {
    SF_REQUIRE_BACKEND();
    auto r = sfctl({"run", guest_path("ticker"), "--cmdline", "not-a-number"});
    EXPECT_EQ(r.exit_code, 2);
}

TEST(Sfctl, CrashGivesStatus125AndOneLineWithRip) {
    SF_REQUIRE_BACKEND();
    auto r = sfctl({"run", guest_path("crash-null")});
    EXPECT_EQ(r.exit_code, 125);
    expect_one_error_line(r, "guest crashed");
    EXPECT_NE(r.err.find("rip=0x"), std::string::npos);
    r = sfctl({"run", guest_path("crash-badptr")});
    EXPECT_EQ(r.exit_code, 125);
    expect_one_error_line(r, "outside the guest's memory");
}

TEST(Sfctl, TimeoutGivesStatus124) {
    SF_REQUIRE_BACKEND();
    auto r = sfctl({"run", guest_path("crash-spin"), "--timeout", "150ms"});
    EXPECT_EQ(r.exit_code, 124);
    expect_one_error_line(r, "timeout of 150ms passed");
}

TEST(Sfctl, TimingsLineReportsFirstOutput) {
    SF_REQUIRE_BACKEND();
    auto r = sfctl({"run", guest_path("hello"), "--timings"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.err.find("first output"), std::string::npos) << r.err;
}

TEST(Sfctl, BadImagesAreRefusedWithOneLine) {
    const std::string hello = read_file(guest_path("hello"));
    ASSERT_GT(hello.size(), 200u);
    TempFile not_elf("#!/bin/sh\necho not a guest\n");
    TempFile truncated(hello.substr(0, 100));
    TempFile empty("");
    struct Case {
        std::string path, needle;
    } cases[] = {
        {not_elf.path(), "not an ELF file"},   {truncated.path(), "truncated"}, {empty.path(), "truncated"},
        {"/nonexistent/guest", "cannot open"}, {"/tmp", "not a regular file"},  {"/bin/true", "ET_DYN"},
    };
    for (const Case& c : cases) {
        auto r = sfctl({"run", c.path});
        EXPECT_EQ(r.exit_code, 126) << c.path;
        expect_one_error_line(r, c.needle);
        EXPECT_NE(r.err.find(c.path), std::string::npos) << r.err;
    }
}

TEST(Sfctl, BadMemorySizesAreRefusedWithOneLine) {
    struct Case {
        std::string mem, needle;
    } cases[] = {
        {"1M", "too small"},
        {"8G", "too big"},
        {"4097K", "not a multiple of 4 KiB"},
        {"4194305", "not a multiple of 4 KiB"},
        {"lots", "invalid size"},
    };
    for (const Case& c : cases) {
        auto r = sfctl({"run", guest_path("hello"), "--mem", c.mem});
        EXPECT_EQ(r.exit_code, 126) << c.mem;
        expect_one_error_line(r, c.needle);
    }
}

TEST(Sfctl, ImageLargerThanMemoryIsRefused) {
    // 1 MiB of bss from 0x100000 leaves no room for the stack in 2 MiB.
    sf::test::ElfBuilder elf(0x100000);
    elf.add_load(0x100000, {0xeb, 0xfe}, 0x100000, PF_R | PF_X);
    std::vector<uint8_t> bytes = elf.build();
    TempFile big(std::string(bytes.begin(), bytes.end()));
    auto r = sfctl({"run", big.path(), "--mem", "2M"});
    EXPECT_EQ(r.exit_code, 126);
    expect_one_error_line(r, "use a larger --mem");
}

TEST(Sfctl, BadTimeoutAndCommandLineAreRefused) {
    auto r = sfctl({"run", guest_path("hello"), "--timeout", "soon"});
    EXPECT_EQ(r.exit_code, 126);
    expect_one_error_line(r, "invalid duration");
    r = sfctl({"run", guest_path("hello"), "--cmdline", std::string(2000, 'x')});
    EXPECT_EQ(r.exit_code, 126);
    expect_one_error_line(r, "command line is 2000 bytes");
}

TEST(Sfctl, MissingKvmDeviceIsNamed) {
    auto r = sfctl({"run", guest_path("hello"), "--backend", "kvm", "--kvm", "/nonexistent/kvm"});
    EXPECT_EQ(r.exit_code, 126);
    expect_one_error_line(r, "/nonexistent/kvm: no such device");
}

// auto falls back to the process backend where KVM cannot be opened, and the guest runs.
TEST(Sfctl, AutoRunsWithoutKvm) {
    auto r = sfctl({"run", guest_path("hello"), "--backend", "auto", "--kvm", "/nonexistent/kvm"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("hello from superfluid"), std::string::npos) << r.out;
}

TEST(Sfctl, UnknownBackendIsAUsageError) {
    auto r = sfctl({"run", guest_path("hello"), "--backend", "xen"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--backend"), std::string::npos) << r.err;
}

TEST(Sfctl, UsageErrorsExitTwo) {
    EXPECT_EQ(sfctl({}).exit_code, 2);
    EXPECT_EQ(sfctl({"run"}).exit_code, 2);
    EXPECT_EQ(sfctl({"run", guest_path("hello"), "--bogus"}).exit_code, 2);
    auto help = sfctl({"run", "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("--timeout"), std::string::npos);
}
