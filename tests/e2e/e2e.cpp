// superfluid end-to-end tests: shared helpers.
#include "e2e.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

extern char** environ;

namespace sf::test {

std::shared_ptr<const vmm::Backend> backend_or_null() {
    static std::shared_ptr<const vmm::Backend> backend = [] {
        const char* name = std::getenv("SF_BACKEND");
        vmm::BackendOptions options;
        options.choice = vmm::parse_backend_choice(name ? name : "auto").value_or(vmm::BackendChoice::Auto);
        options.sandbox_path = bin_path("sf-sandbox");
        auto opened = vmm::open_backend(options);
        if (opened) return *opened;
        std::fprintf(stderr, "\n*** GUEST TESTS SKIPPED: %s ***\n\n", opened.error().message.c_str());
        return std::shared_ptr<const vmm::Backend>();
    }();
    return backend;
}

vmm::BackendKind backend_kind() {
    auto backend = backend_or_null();
    return backend ? backend->kind() : vmm::BackendKind::Kvm;
}

GuestRun run_image(const vmm::Image& image, vmm::GuestConfig config, std::chrono::nanoseconds timeout) {
    GuestRun run;
    CapturingConsole console;
    auto guest = vmm::Guest::create(backend_or_null(), image, config, console);
    EXPECT_TRUE(guest.ok()) << guest.error().message;
    if (!guest) return run;
    auto result = vmm::run_foreground(**guest, timeout);
    EXPECT_TRUE(result.ok()) << result.error().message;
    if (result) run.result = *result;
    run.console = console.text;
    return run;
}

GuestRun run_guest(const std::string& name, vmm::GuestConfig config, std::chrono::nanoseconds timeout) {
    auto image = vmm::Image::load_file(guest_path(name));
    EXPECT_TRUE(image.ok()) << image.error().message;
    if (!image) return {};
    if (config.name == vmm::GuestConfig{}.name) config.name = name;
    return run_image(*image, std::move(config), timeout);
}

namespace {

// Reads both pipes until both reach EOF.
void drain(int out_fd, int err_fd, ProcessResult& result) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_count = 2;
    char buffer[4096];
    while (open_count > 0) {
        if (::poll(fds, 2, -1) < 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0)
                sinks[i]->append(buffer, static_cast<size_t>(n));
            else if (n == 0 || errno != EINTR) {
                fds[i].fd = -1;
                --open_count;
            }
        }
    }
}

} // namespace

ProcessResult run_process(const std::vector<std::string>& argv) {
    ProcessResult result;
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0) return result;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    if (rc == 0) drain(out[0], err[0], result);
    ::close(out[0]);
    ::close(err[0]);
    int status = 0;
    if (rc == 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status))
        result.exit_code = WEXITSTATUS(status);
    return result;
}

int open_fd_count() {
    int count = 0;
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) return -1;
    while (dirent* entry = ::readdir(dir))
        if (entry->d_name[0] != '.') ++count;
    ::closedir(dir);
    return count - 1; // the directory's own fd
}

} // namespace sf::test
