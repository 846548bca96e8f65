// sf-bench: a private sfd; see sfd_process.h.
#include "bench/common/sfd_process.h"

#include "bench/common/sfd_client.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

namespace sf::bench {
namespace {

std::string temp_root() {
    const char* tmp = std::getenv("TMPDIR");
    return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

} // namespace

SfdProcess::SfdProcess(std::string dir, std::string binary)
    : dir_(std::move(dir)), binary_(std::move(binary)), socket_path_(dir_ + "/sfd.sock"),
      log_path_(dir_ + "/sfd.log") {}

Result<std::unique_ptr<SfdProcess>> SfdProcess::start(const std::string& binary,
                                                      const std::vector<std::string>& args) {
    if (::access(binary.c_str(), X_OK) != 0)
        return error("{}: {} (build sfd, or pass --sfd PATH or --socket PATH)", binary, std::strerror(errno));
    std::string pattern = temp_root() + "/sf-storm-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return error("mkdtemp {}: {}", pattern, std::strerror(errno));
    std::unique_ptr<SfdProcess> process(new SfdProcess(pattern, binary));
    // A name without '/' is a path from here (as access() took it), not a PATH search.
    std::vector<std::string> argv{binary.find('/') == std::string::npos ? "./" + binary : binary, "--socket",
                                  process->socket_path_};
    argv.insert(argv.end(), args.begin(), args.end());
    SF_TRY_ASSIGN(process->child_, ChildProcess::start(argv, process->log_path_, "sfd"));
    return process;
}

SfdProcess::~SfdProcess() {
    if (running()) stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

bool SfdProcess::running() {
    return child_ && child_->running();
}

Result<void> SfdProcess::wait_ready(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    SfdClient client(socket_path_);
    std::string last_error = "no answer";
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running())
            return error("{} {} before answering GET /v1/host\n{}", binary_, describe_exit(), log_tail(10));
        if (std::filesystem::exists(socket_path_)) {
            auto host = client.host();
            if (host) return ok();
            last_error = host.error().message;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return error("{} did not answer GET /v1/host on {} within {} ms ({})\n{}", binary_, socket_path_,
                 timeout.count(), last_error, log_tail(10));
}

std::string SfdProcess::stop(std::chrono::milliseconds grace) {
    if (!child_ || child_->terminate(grace)) return describe_exit();
    return fmt::format("did not stop within {} ms of SIGTERM: {}", grace.count(), describe_exit());
}

bool SfdProcess::exited_cleanly() const {
    return child_ && child_->exited_cleanly();
}

std::string SfdProcess::describe_exit() const {
    return child_ ? child_->describe_exit() : "is running";
}

std::string SfdProcess::log_tail(size_t lines) const {
    return child_ ? child_->log_tail(lines) : "  (sfd wrote nothing)";
}

} // namespace sf::bench
