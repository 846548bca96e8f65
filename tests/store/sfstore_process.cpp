// superfluid tests: SfstoreProcess and run_command.
#include "sfstore_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace sf::store::test {

CommandResult run_command(const std::string& command) {
    CommandResult result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return result;
    char buffer[4096];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
        result.output.append(buffer, n);
    const int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

SfstoreProcess::SfstoreProcess(const std::string& binary, const std::string& socket,
                               const std::string& extra_args) {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        const std::string line = "exec '" + binary + "' --socket '" + socket + "' " + extra_args;
        ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(out[1]);
    pollfd pfd{out[0], POLLIN, 0};
    char ch = 0;
    while (::poll(&pfd, 1, 10000) > 0 && ::read(out[0], &ch, 1) == 1 && ch != '\n')
        first_line_ += ch;
    ::close(out[0]);
    listening_ = first_line_.find("listening") != std::string::npos;
}

int SfstoreProcess::terminate() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

SfstoreProcess::~SfstoreProcess() {
    terminate();
}

} // namespace sf::store::test
