// superfluid toolstack: WorkerProcess, sfd's handle on one sf-worker process.
//
// Spawns the worker with one end of a SOCK_SEQPACKET pair, sends requests and
// waits for their replies (matched by request id), and hands events, console
// packets and guests' store requests to the owner's callbacks from its reader
// thread. When the worker dies, every pending call fails with Unavailable and
// on_exit runs once, with a description of how it ended.
//
// Workers started with a listen directory outlive sfd: a restarted sfd
// adopts them (adopt()) by connecting to DIR/worker-<index>.sock.
//
// A call that gets no reply within 30 s fails with Unavailable.
//
// Sending never waits for the worker (PacketOutbox: sent at once, or queued
// and sent as the worker reads, up to 8 MiB), so the reader thread, which
// answers guests' store requests, always gets back to reading: the worker's
// own sends, which do wait, cannot deadlock with ours.
//
// Threading: call() from any thread. The callbacks run on the reader thread
// and must not call call() on this worker; send_store() they may.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "host/packet_outbox.h"
#include "host/pending_replies.h"
#include "host/protocol.h"
#include "host/worker_api.h"
#include "host/worker_settings.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sf::host {

struct WorkerOptions {
    std::string program; // path of sf-worker
    // Non-empty: each worker accepts a restarted sfd at LISTEN_DIR/worker-<index>.sock
    // and keeps its guests while sfd is away (WorkerSettings::listen_path).
    std::string listen_dir;
    WorkerSettings settings; // for every worker; spawn() fills in its index and listen_path
};

// Where a worker accepts a restarted sfd.
std::string worker_socket_path(const std::string& listen_dir, int index);

class WorkerProcess {
  public:
    using EventCallback = std::function<void(uint64_t guest_id, const worker_api::GuestEvent& event)>;
    using ConsoleCallback = std::function<void(uint64_t guest_id, std::string_view bytes)>;
    using ExitCallback = std::function<void(int index, const std::string& how)>;
    // A guest's store request (protocol.h Type::Store): answer with send_store(guest_id, request_id, reply).
    using StoreCallback =
        std::function<void(uint64_t guest_id, uint64_t request_id, std::string_view message)>;
    struct Callbacks {
        EventCallback on_event;
        ConsoleCallback on_console;
        ExitCallback on_exit;
        StoreCallback on_store; // may be empty: store requests are then dropped
    };

    // `frame_fd` is the worker's end of its frame channel (duplicated into the child).
    static Result<std::unique_ptr<WorkerProcess>> spawn(int index, const WorkerOptions& options, int frame_fd,
                                                        Callbacks callbacks);
    // Connects to worker `index` that outlived an earlier sfd, at `socket`, and
    // hands it `frame_fd` (its end of a new frame channel). Unavailable when no
    // worker answers there. The process is not our child: its end is seen as
    // the connection closing.
    static Result<std::unique_ptr<WorkerProcess>> adopt(int index, const std::string& socket, int frame_fd,
                                                        Callbacks callbacks);
    ~WorkerProcess();

    // Sends one request (worker_api.h) and waits for its reply; with
    // `pass_fd`, hands the worker a duplicate of it with the request
    // (SCM_RIGHTS): a snapshot file or a migration socket.
    template <class Request> Result<typename Request::Reply> call(const Request& request, int pass_fd = -1) {
        SF_TRY_ASSIGN(const Exchanged reply, exchange(worker_api::encode_request(request), pass_fd));
        return worker_api::decode_reply<typename Request::Reply>(reply.payload, reply.raw);
    }
    // Sends a store reply or watch event (request_id 0) for guest `guest_id`,
    // without waiting: Unavailable when the worker is gone or has 8 MiB unread.
    Result<void> send_store(uint64_t guest_id, uint64_t request_id, std::string_view message);
    bool alive() const { return alive_; }
    pid_t pid() const { return pid_; }
    int index() const { return index_; }
    // Sends shutdown and waits up to `grace` for the process to end, then kills it.
    void stop(std::chrono::milliseconds grace);
    // Kills the process at once (tests, and when sfd itself fails).
    void kill();

  private:
    struct Exchanged { // a reply's payload, as it came
        std::string payload;
        bool raw = false;
    };
    Result<Exchanged> exchange(const std::string& request, int pass_fd);
    WorkerProcess(int index, pid_t pid, bool child, UniqueFd fd, Callbacks callbacks);
    void read_loop();
    std::string reap();

    const int index_;
    const pid_t pid_;
    const bool child_; // false for an adopted worker (not ours to reap)
    UniqueFd fd_;
    PacketOutbox outbox_; // every packet to the worker
    Callbacks callbacks_;
    std::atomic<bool> alive_{true};
    std::atomic<uint64_t> next_request_{1};
    PendingReplies<Exchanged> pending_;
    std::thread reader_;
    bool reaped_ = false;
};

} // namespace sf::host
