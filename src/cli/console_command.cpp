// sfctl console NAME: attach to a guest's console and follow it (the ring's
// content, then its output as it comes) until the guest ends (exit 0).
//
// When stdin is a terminal it is put in raw mode and Ctrl-] (0x1d) detaches,
// leaving the guest running. Guests take no console input yet: other keys
// are dropped.
#include "cli/client_commands.h"
#include "cli/raw_terminal.h"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>

namespace sf::cli {
namespace {

constexpr char kDetachKey = 0x1d; // Ctrl-]

bool write_stdout(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false; // stdout closed: stop following
        bytes.remove_prefix(size_t(n));
    }
    return true;
}

// Reads keys until Ctrl-] (true) or until `ended` is set (false).
bool wait_for_detach_key(const std::atomic<bool>& ended) {
    bool watching = true;
    while (!ended) {
        pollfd fd{STDIN_FILENO, POLLIN, 0};
        if (!watching || ::poll(&fd, 1, 50) <= 0) {
            if (!watching) std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        char keys[64];
        ssize_t n = ::read(STDIN_FILENO, keys, sizeof(keys));
        if (n <= 0) watching = false; // stdin gone: follow until the guest ends
        for (ssize_t i = 0; i < n; ++i)
            if (keys[i] == kDetachKey) return true;
    }
    return false;
}

Result<void> follow_interactively(SfdClient& client, const std::string& ref, bool& detached) {
    auto terminal = RawTerminal::enter(STDIN_FILENO);
    if (!terminal) return std::move(terminal).error();
    fmt::print(stderr, "sfctl console: attached to {}; detach with Ctrl-]\n", ref);
    std::atomic<bool> ended{false};
    Result<void> result;
    std::thread stream([&] {
        result = client.follow_console(ref, write_stdout);
        ended = true;
    });
    detached = wait_for_detach_key(ended);
    while (!ended) { // the request may not have been in flight at the first stop()
        client.stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stream.join();
    return detached ? ok() : result;
}

int console(const ClientOptions& options, const std::string& ref) {
    return with_client("console", options, [&](SfdClient& client) {
        bool detached = false;
        auto result = ::isatty(STDIN_FILENO) ? follow_interactively(client, ref, detached)
                                             : client.follow_console(ref, write_stdout);
        if (!result) return report_failure("console", result.error().message);
        if (detached) fmt::print(stderr, "\nsfctl console: detached from {}\n", ref);
        return 0;
    });
}

} // namespace

void add_console_command(CLI::App& app, const ClientOptions& options, int& exit_code) {
    auto ref = std::make_shared<std::string>();
    CLI::App* cmd =
        app.add_subcommand("console", "Attach to a guest's console and follow it (detach: Ctrl-])");
    cmd->add_option("name", *ref, "Guest name or id")->required();
    cmd->callback([&options, &exit_code, ref] { exit_code = console(options, *ref); });
}

} // namespace sf::cli
