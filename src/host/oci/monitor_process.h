// superfluid toolstack: MonitorProcess, sfd's handle on its container
// monitor, sf-ctrmon (container_monitor.h; ctrmon_api.h is the protocol).
//
// spawn() starts one with a SOCK_SEQPACKET pair (and, with a listen path,
// where a restarted sfd finds it); adopt() connects to one an earlier sfd
// left. call() sends a request and waits for its reply (matched by request
// id: replies may come out of order); events and console packets go to the
// callbacks from the reader thread. When the monitor goes away every call
// under way fails with Unavailable and on_exit runs once.
//
// A call that gets no reply within 30 s fails with Unavailable.
//
// Threading: call() from any thread; the callbacks run on the reader thread
// and must not call call().
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "host/oci/ctrmon_api.h"
#include "host/pending_replies.h"
#include "host/worker_api.h"

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace sf::host {

struct MonitorOptions {
    std::string program;      // path of sf-ctrmon
    std::string runtime;      // crun or runc
    std::string runtime_root; // the runtime's --root
    std::string listen_path;  // where a restarted sfd connects (empty: nowhere)
    bool keep = false;        // containers outlive sfd (with a durable store)
};

class MonitorProcess {
  public:
    struct Callbacks {
        std::function<void(uint64_t id, const worker_api::GuestEvent& event)> on_event;
        std::function<void(uint64_t id, std::string_view bytes)> on_console;
        std::function<void(const std::string& how)> on_exit;
    };
    struct Reply {
        std::string payload;
        bool raw = false;
    };

    static Result<std::unique_ptr<MonitorProcess>> spawn(const MonitorOptions& options, Callbacks callbacks);
    // Unavailable when no monitor answers at `socket`.
    static Result<std::unique_ptr<MonitorProcess>> adopt(const std::string& socket, Callbacks callbacks);
    ~MonitorProcess(); // kill()

    // Sends op `op` with `fields`, waits for the reply: its fields, or the error it carries.
    Result<nlohmann::json> call(std::string_view op, nlohmann::json fields = nlohmann::json::object());
    // The same for Logs and Follow, whose replies are raw console bytes.
    Result<std::string> call_raw(std::string_view op, uint64_t id);

    bool alive() const { return alive_; }
    pid_t pid() const { return pid_; }
    // Asks the monitor to delete every container and end; waits up to `grace`, then kills it.
    void stop(std::chrono::milliseconds grace);
    // Kills the process at once (its containers then stay: see ContainerGuests).
    void kill();

  private:
    MonitorProcess(pid_t pid, bool child, UniqueFd fd, Callbacks callbacks);
    Result<Reply> exchange(std::string_view op, const nlohmann::json& fields);
    void read_loop();
    std::string reap();

    const pid_t pid_;
    const bool child_;
    UniqueFd fd_;
    Callbacks callbacks_;
    std::mutex send_mutex_;
    std::atomic<bool> alive_{true};
    std::atomic<uint64_t> next_request_{1};
    PendingReplies<Reply> pending_;
    std::thread reader_;
};

} // namespace sf::host
