// superfluid worker tests: WorkerUnderTest, a real sf-worker process driven
// over its SOCK_SEQPACKET control socket as sfd drives it (host/protocol.h),
// with descriptors passed with requests. Replies are matched by request id;
// events and console packets are ignored.
//
// Threading: one test thread per WorkerUnderTest.
#pragma once

#include "backend_under_test.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "host/worker_api.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <sys/types.h>

namespace sf::test {

namespace api = host::worker_api;

// Whether the backend under test ($SF_BACKEND) is the process backend.
bool process_backend();
std::string guest_image(const std::string& name);

#define SF_WORKER_REQUIRE_KVM() SF_REQUIRE_GUEST_BACKEND("WORKER")

class WorkerUnderTest {
  public:
    // Starts build/bin/sf-worker with its end of a new socket pair; with
    // `frames`, also with a frame channel (net/frame_channel.h) whose sfd end
    // is frames().
    static Result<std::unique_ptr<WorkerUnderTest>> start(int index, bool frames = false);
    ~WorkerUnderTest(); // "shutdown", then SIGKILL if it does not end
    WorkerUnderTest(const WorkerUnderTest&) = delete;
    WorkerUnderTest& operator=(const WorkerUnderTest&) = delete;

    // Sends a request (passing `fd` with it if >= 0); returns its request id.
    template <class Request> uint64_t send(const Request& request, int fd = -1) {
        return send_payload(api::encode_request(request), fd);
    }
    // The reply to request `id`: its JSON, or the raw payload as {"raw": ...};
    // an error when none comes in time or the worker is gone.
    Result<nlohmann::json> reply(uint64_t id, std::chrono::milliseconds timeout = std::chrono::seconds(20));
    template <class Request> Result<nlohmann::json> call(const Request& request, int fd = -1) {
        return reply(send(request, fd));
    }

    // The guest's console ring ("logs").
    std::string logs(uint64_t guest);
    // "running", "paused", ... as "adopt" lists it; "" if the worker has no such guest.
    std::string state(uint64_t guest);
    // Creates a ticker guest printing `count` ticks every `interval_ms`.
    Result<nlohmann::json> create_ticker(uint64_t id, int count = 100000, int interval_ms = 10);
    pid_t pid() const { return pid_; }
    int frames() const { return frames_.get(); } // -1 without a frame channel
    void kill_hard();

  private:
    uint64_t send_payload(const std::string& payload, int fd);
    WorkerUnderTest(UniqueFd control, UniqueFd frames, pid_t pid)
        : control_(std::move(control)), frames_(std::move(frames)), pid_(pid) {}
    UniqueFd control_;
    UniqueFd frames_;
    pid_t pid_;
    uint64_t next_id_ = 1;
    std::map<uint64_t, nlohmann::json> early_; // replies that came while waiting for another
};

// The number of the last "tick N/" line in a ticker's console, 0 if none.
int last_tick(const std::string& console);

} // namespace sf::test
