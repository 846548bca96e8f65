// sfctl: raw terminal mode with restore on exit and on fatal signals.
#include "cli/raw_terminal.h"

#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace sf::cli {
namespace {

constexpr std::array kSignals{SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// Read by the signal handler: plain globals, set before the handlers are installed.
int g_fd = -1;
termios g_saved{};
std::array<struct sigaction, kSignals.size()> g_previous{};

void restore_terminal() {
    if (g_fd >= 0) ::tcsetattr(g_fd, TCSAFLUSH, &g_saved);
}

extern "C" void restore_and_reraise(int signal_number) {
    restore_terminal(); // async-signal-safe
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
}

void install_handlers() {
    struct sigaction action {};
    action.sa_handler = restore_and_reraise;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < kSignals.size(); ++i)
        ::sigaction(kSignals[i], &action, &g_previous[i]);
}

void remove_handlers() {
    for (size_t i = 0; i < kSignals.size(); ++i)
        ::sigaction(kSignals[i], &g_previous[i], nullptr);
}

} // namespace

Result<std::unique_ptr<RawTerminal>> RawTerminal::enter(int fd) {
    if (g_fd >= 0) return error("the terminal is already raw");
    termios saved{};
    if (::tcgetattr(fd, &saved) != 0) return error("not a terminal: {}", std::strerror(errno));
    termios raw = saved;
    raw.c_iflag &= ~tcflag_t(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    g_saved = saved;
    g_fd = fd;
    install_handlers();
    if (::tcsetattr(fd, TCSAFLUSH, &raw) != 0) {
        int saved_errno = errno;
        remove_handlers();
        g_fd = -1;
        return error("cannot set raw mode: {}", std::strerror(saved_errno));
    }
    return std::unique_ptr<RawTerminal>(new RawTerminal());
}

RawTerminal::~RawTerminal() {
    restore_terminal();
    remove_handlers();
    g_fd = -1;
}

} // namespace sf::cli
