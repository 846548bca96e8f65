// superfluid worker tests: shared helpers.
#include "worker_test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace sf::test {

void WorkerTest::TearDown() {
    for (const std::string& file : files_)
        ::unlink(file.c_str());
}

std::unique_ptr<WorkerUnderTest> WorkerTest::start_worker(int index, bool frames) {
    Result<std::unique_ptr<WorkerUnderTest>> worker = WorkerUnderTest::start(index, frames);
    EXPECT_TRUE(worker) << worker.error().message;
    return worker ? std::move(*worker) : nullptr;
}

bool WorkerTest::wait_for_tick(WorkerUnderTest& worker, uint64_t guest, int tick, int timeout_ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < until) {
        if (last_tick(worker.logs(guest)) >= tick) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

UniqueFd WorkerTest::temp_file() {
    std::string path = "/tmp/sf-worker-test-XXXXXX";
    const int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) files_.push_back(path);
    return UniqueFd(fd);
}

api::GuestSpec WorkerTest::ticker_fields(uint64_t id) {
    return {.id = id,
            .name = "ticker" + std::to_string(id),
            .image = guest_image("ticker"),
            .mem = 2u << 20,
            .cmdline = "100000 10",
            .start = true,
            .store = false,
            .nic = std::nullopt};
}

std::pair<UniqueFd, UniqueFd> tcp_pair() {
    UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener.get(), 1) != 0 ||
        ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
        return {};
    UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(client.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return {};
    UniqueFd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    return {std::move(client), std::move(server)};
}

std::pair<UniqueFd, UniqueFd> unix_pair() {
    int fds[2] = {-1, -1};
    (void)::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

bool has_tick(const std::string& console, int tick) {
    return console.find("tick " + std::to_string(tick) + "/") != std::string::npos;
}

} // namespace sf::test
