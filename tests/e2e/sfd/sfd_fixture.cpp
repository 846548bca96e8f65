// superfluid sfd tests: the sfd fixture.
#include "sfd_fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace sf::test {

std::string guest_image(const std::string& name) {
    return std::string(SF_GUEST_DIR) + "/" + name;
}

// The backend under test ($SF_BACKEND, which sfd and sf-worker read too):
// only an explicit kvm can be missing; process and auto run everywhere.
std::string overcommit_for(uint64_t budget_bytes) {
    std::ifstream in("/proc/meminfo");
    std::string key, unit;
    uint64_t kib = 0, total = 0;
    while (total == 0 && in >> key >> kib >> unit)
        if (key == "MemTotal:") total = kib * 1024;
    const uint64_t usable = total > (256ull << 20) ? total - (256ull << 20) : 1;
    char text[32];
    std::snprintf(text, sizeof text, "%.17g",
                  static_cast<double>(budget_bytes) / static_cast<double>(usable));
    return text;
}

Sfd::Sfd(std::vector<std::string> args) {
    char pattern[] = "/tmp/sf-sfd-test-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    spawn(std::move(args));
}

Sfd::Sfd(std::vector<std::string> args, std::string dir) : dir_(std::move(dir)), owns_dir_(false) {
    spawn(std::move(args));
}

Sfd::Sfd(std::vector<std::string> args, std::string dir, std::vector<std::string> prefix)
    : prefix_(std::move(prefix)), dir_(std::move(dir)), owns_dir_(false) {
    spawn(std::move(args));
}

void Sfd::spawn(std::vector<std::string> args) {
    socket_ = dir_ + "/sfd.sock";
    std::vector<std::string> argv = prefix_;
    argv.insert(argv.end(), {std::string(SF_BIN_DIR) + "/sfd", "--socket", socket_});
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (auto& a : argv)
        raw.push_back(a.data());
    raw.push_back(nullptr);
    if (posix_spawnp(&pid_, raw[0], nullptr, nullptr, raw.data(), environ) != 0) pid_ = -1;
    for (int i = 0; i < 200 && running(); ++i) {
        if (get("/v1/host").status == 200) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ADD_FAILURE() << "sfd did not come up on " << socket_;
}

Sfd::~Sfd() {
    stop();
    if (owns_dir_) std::filesystem::remove_all(dir_);
}

void Sfd::kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::string shell(const std::string& command) {
    return run_command(command + " 2>&1");
}

std::string page_with(const std::string& ip, const std::string& text) {
    std::string page;
    for (int i = 0; i < 100; ++i) {
        page = shell("curl -s -m 2 http://" + ip + "/");
        if (page.find(text) != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return page;
}

std::string run_command(const std::string& command, int* status) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return out;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
        out.append(buffer, n);
    const int rc = ::pclose(pipe);
    if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return out;
}

bool Sfd::running() const {
    return pid_ > 0 && ::kill(pid_, 0) == 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0;
}

int Sfd::stop(int seconds) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < seconds * 100; ++i) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
}

httplib::Client Sfd::client() {
    httplib::Client c(socket_, 80);
    c.set_address_family(AF_UNIX);
    c.set_read_timeout(30, 0);
    return c;
}

namespace {
HttpResult convert(const httplib::Result& r) {
    if (!r) return {};
    return {r->status, r->body};
}
} // namespace

HttpResult Sfd::get(const std::string& path) {
    return convert(client().Get(path.c_str()));
}
HttpResult Sfd::post(const std::string& path, const std::string& body) {
    return convert(client().Post(path.c_str(), body, "application/json"));
}
HttpResult Sfd::del(const std::string& path) {
    return convert(client().Delete(path.c_str()));
}
HttpResult Sfd::create(const nlohmann::json& fields) {
    return post("/v1/guests", fields.dump());
}

bool Sfd::wait_state(const std::string& ref, const std::string& state, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const nlohmann::json guest = get("/v1/guests/" + ref).json();
        if (guest.is_object() && guest.value("state", "") == state) return true;
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::vector<pid_t> Sfd::worker_pids() {
    std::vector<pid_t> pids;
    nlohmann::json host = get("/v1/host").json();
    if (host.is_object())
        for (const auto& w : host.value("workers", nlohmann::json::array()))
            if (w.value("alive", false)) pids.push_back(w.value("pid", -1));
    return pids;
}

int count_fds(pid_t pid) {
    int count = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        ++count;
    return ec ? -1 : count;
}

long rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

long cpu_ticks(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t close = text.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stol(field);
        if (i == 15) stime = std::stol(field);
    }
    return utime + stime;
}

} // namespace sf::test
