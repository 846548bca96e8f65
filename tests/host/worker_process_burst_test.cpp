// Unit tests: sfd and a worker cannot deadlock on their socket pair
// (src/host/worker_process.h, packet_outbox.h). A fake worker (a thread,
// adopted like a worker that outlived sfd) sends a burst of guests' store
// requests without reading meanwhile, as a worker's main thread blocked in a
// send does; sfd answers each with a reply and the watch events the write
// fired, while another sfd thread sends watch events of its own. Had sfd's
// sends waited for room like the worker's, both would wait for each other.
#include "common/unix_socket.h"
#include "host/protocol.h"
#include "host/worker_process.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <gtest/gtest.h>
#include <string>
#include <thread>

using namespace sf;
using namespace sf::host;
using namespace std::chrono_literals;

namespace {

constexpr int kRequests = 128;         // from the worker, 4 KiB each: more than the socket holds
constexpr int kEventsPerWrite = 3;     // watch events sfd sends after each reply
constexpr int kOwnEvents = 256;        // sent meanwhile by another sfd thread
const std::string kMessage(4000, 'm'); // a store message near XenStore's 4 KiB

// A listening SOCK_SEQPACKET socket in a temporary directory, where the fake worker waits for sfd.
struct FakeWorkerSocket {
    std::string dir, path;
    UniqueFd listener;
    FakeWorkerSocket() {
        char pattern[] = "/tmp/sf-burst-XXXXXX";
        dir = ::mkdtemp(pattern);
        path = worker_socket_path(dir, 0);
        listener.reset(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
        Result<sockaddr_un> address = unix_address(path);
        if (!address ||
            ::bind(listener.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0 ||
            ::listen(listener.get(), 1) != 0)
            listener.reset();
    }
    ~FakeWorkerSocket() { std::filesystem::remove_all(dir); }
};

// The worker's side: takes the frame channel sfd hands over, sends the
// burst, then reads until every reply and event came. Whether all came.
bool fake_worker(int control, std::shared_future<void> go) {
    wire::size_buffers(control);
    char byte;
    if (::recv(control, &byte, 1, 0) != 1)
        return false; // the frame channel (its descriptor is closed on exit)
    go.wait();
    for (int i = 1; i <= kRequests; ++i)
        if (!wire::send(control, wire::Type::Store, static_cast<uint64_t>(i), 7, kMessage, wire::kRawPayload))
            return false;
    int replies = 0, events = 0;
    while (replies < kRequests || events < kRequests * kEventsPerWrite + kOwnEvents) {
        Result<wire::Message> m = wire::receive(control);
        if (!m) return false;
        if (m->type() == wire::Type::Store) ++(m->header.request_id == 0 ? events : replies);
    }
    return true;
}

// The fake worker is this very process (adopt() takes the peer's credentials):
// sfd's side must have seen its socket close before it is destroyed, or its
// destructor's SIGKILL would end the test run. Failing that, it is leaked.
struct SeenGoneFirst {
    std::unique_ptr<WorkerProcess>& process;
    const UniqueFd& control;
    ~SeenGoneFirst() {
        ::shutdown(control.get(), SHUT_RDWR);
        for (int i = 0; i < 500 && process && process->alive(); ++i)
            std::this_thread::sleep_for(10ms);
        if (process && process->alive()) (void)process.release();
    }
};

} // namespace

TEST(WorkerProcessBurst, StoreRequestsAndWatchEventsBothWaysDoNotDeadlock) {
    FakeWorkerSocket socket;
    ASSERT_TRUE(socket.listener.valid()) << std::strerror(errno);
    UniqueFd frames(::open("/dev/null", O_RDWR | O_CLOEXEC));
    std::atomic<WorkerProcess*> sfd_side{nullptr};
    WorkerProcess::Callbacks callbacks;
    callbacks.on_event = [](uint64_t, const host::worker_api::GuestEvent&) {};
    callbacks.on_console = [](uint64_t, std::string_view) {};
    callbacks.on_exit = [](int, const std::string&) {};
    callbacks.on_store = [&](uint64_t guest, uint64_t request_id,
                             std::string_view) { // on sfd's reader thread
        WorkerProcess* process = sfd_side.load();
        (void)process->send_store(guest, request_id, kMessage);
        for (int i = 0; i < kEventsPerWrite; ++i)
            (void)process->send_store(guest, 0, kMessage);
    };
    Result<std::unique_ptr<WorkerProcess>> adopted =
        WorkerProcess::adopt(0, socket.path, frames.get(), callbacks);
    ASSERT_TRUE(adopted) << adopted.error().message;
    std::unique_ptr<WorkerProcess> process = std::move(*adopted);
    sfd_side = process.get();
    UniqueFd control(::accept4(socket.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    SeenGoneFirst guard{process, control};
    ASSERT_TRUE(control.valid());

    std::promise<void> go;
    std::future<bool> worker =
        std::async(std::launch::async, fake_worker, control.get(), go.get_future().share());
    go.set_value();
    std::thread own_events([&] { // sfd's API or store threads, sending too
        for (int i = 0; i < kOwnEvents; ++i)
            (void)process->send_store(7, 0, kMessage);
    });
    const bool finished = worker.wait_for(30s) == std::future_status::ready;
    EXPECT_TRUE(finished) << "sfd and the worker wait for each other to read: a deadlock";
    ::shutdown(control.get(), SHUT_RDWR); // frees any send still waiting, and ends sfd's reader
    own_events.join();
    EXPECT_TRUE(worker.get()) << "every reply and watch event reached the worker";
}
