// superfluid toolstack: sf-ctrmon's loop (container_monitor.h).
#include "host/oci/container_monitor.h"

#include "common/unix_socket.h"
#include "host/guest_service.h"
#include "host/oci/oci_cgroups.h"
#include "host/protocol.h"
#include "host/worker_api.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

namespace sf::host {
namespace {

// epoll tags: what a ready descriptor is (high byte), and for a console pipe, whose (the rest).
constexpr uint64_t kControl = 1ull << 56, kListener = 2ull << 56, kSignals = 3ull << 56, kOutput = 4ull << 56;
constexpr uint64_t kTagMask = 0xffull << 56;
constexpr size_t kReadChunk = 64 << 10;

uint64_t monotonic_ns() {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(t.tv_nsec);
}

Error invalid_request(const std::string& what) {
    return error(ErrorKind::InvalidArgument, "container monitor: {}", what);
}

const char* phase_state(int phase) {
    static constexpr const char* kStates[] = {"created", "created", "running", "paused"};
    return kStates[phase];
}

} // namespace

ContainerMonitor::ContainerMonitor(MonitorConfig config)
    : config_(std::move(config)), runtime_(config_.runtime) {}

Result<void> ContainerMonitor::setup() {
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        return error("PR_SET_CHILD_SUBREAPER: {}", std::strerror(errno));
    ::signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    signals_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!signals_.valid() || !epoll_.valid()) return error("signalfd/epoll: {}", std::strerror(errno));
    auto watch = [&](int fd, uint64_t tag) {
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.u64 = tag;
        return ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &e);
    };
    watch(signals_.get(), kSignals);
    if (config_.control_fd >= 0) {
        control_.reset(config_.control_fd);
        wire::size_buffers(control_.get());
        watch(control_.get(), kControl);
    }
    if (!config_.listen_path.empty()) {
        SF_TRY_ASSIGN(const sockaddr_un address, unix_address(config_.listen_path));
        UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
        ::unlink(config_.listen_path.c_str());
        if (!fd.valid() ||
            ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0 ||
            ::chmod(config_.listen_path.c_str(), 0600) < 0 || ::listen(fd.get(), 4) < 0)
            return error("cannot listen on {}: {}", config_.listen_path, std::strerror(errno));
        listener_ = std::move(fd);
        watch(listener_.get(), kListener);
    }
    return ok();
}

int ContainerMonitor::run() {
    if (Result<void> ready = setup(); !ready) {
        std::fprintf(stderr, "sf-ctrmon: %s\n", ready.error().message.c_str());
        return 1;
    }
    loop();
    if (!config_.listen_path.empty()) ::unlink(config_.listen_path.c_str());
    return exit_code_;
}

void ContainerMonitor::loop() {
    epoll_event events[64];
    while (!stopping_ || !commands_.empty()) {
        const int n = ::epoll_wait(epoll_.get(), events, 64, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            std::fprintf(stderr, "sf-ctrmon: epoll_wait: %s\n", std::strerror(errno));
            exit_code_ = 1;
            return;
        }
        for (int i = 0; i < n; ++i) {
            const uint64_t tag = events[i].data.u64 & kTagMask;
            if (tag == kSignals)
                on_child_signal();
            else if (tag == kControl)
                on_control();
            else if (tag == kListener)
                on_accept();
            else if (tag == kOutput)
                on_output(events[i].data.u64 & ~kTagMask);
        }
    }
}

void ContainerMonitor::on_accept() {
    UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd.valid()) return;
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0 || peer.uid != ::geteuid()) return;
    if (control_.valid()) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, control_.get(), nullptr);
    control_ = std::move(fd);
    wire::size_buffers(control_.get());
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = kControl;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, control_.get(), &e);
    std::fprintf(stderr, "sf-ctrmon: sfd connected (pid %d); %zu containers\n", peer.pid, containers_.size());
}

void ContainerMonitor::lost_sfd() {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, control_.get(), nullptr);
    control_.reset();
    for (auto& [id, c] : containers_)
        c.followed = false;
    if (config_.keep && listener_.valid()) {
        std::fprintf(stderr, "sf-ctrmon: sfd went away; keeping %zu containers, waiting at %s\n",
                     containers_.size(), config_.listen_path.c_str());
        return;
    }
    shutdown([] {});
}

void ContainerMonitor::on_control() {
    Result<wire::Message> message = wire::receive(control_.get());
    if (!message) return lost_sfd();
    if (message->type() != wire::Type::Request) return;
    Result<std::pair<std::string, nlohmann::json>> request = ctrmon::decode_request(message->payload);
    if (!request) return reply(message->header.request_id, std::move(request).error());
    handle(message->header.request_id, request->first, request->second);
}

void ContainerMonitor::reply(uint64_t request_id, const Result<nlohmann::json>& result) {
    if (!control_.valid()) return;
    const std::string payload = result ? ctrmon::encode_ok(*result) : ctrmon::encode_error(result.error());
    (void)wire::send(control_.get(), wire::Type::Reply, request_id, 0, payload);
}

void ContainerMonitor::reply_raw(uint64_t request_id, const std::string& bytes) {
    if (control_.valid())
        (void)wire::send(control_.get(), wire::Type::Reply, request_id, 0, bytes, wire::kRawPayload);
}

void ContainerMonitor::send_event(uint64_t id, const worker_api::GuestEvent& e) {
    if (control_.valid())
        (void)wire::send(control_.get(), wire::Type::Event, 0, id, worker_api::encode_event(e));
}

ContainerMonitor::Container* ContainerMonitor::find(uint64_t id) {
    auto it = containers_.find(id);
    return it == containers_.end() ? nullptr : &it->second;
}

void ContainerMonitor::handle(uint64_t request_id, const std::string& op, const nlohmann::json& fields) {
    if (op == "run") {
        Result<ctrmon::Run> run = ctrmon::fields_as<ctrmon::Run>(fields);
        if (!run) return reply(request_id, std::move(run).error());
        return run_container(request_id, *run);
    }
    if (op == "held") return reply(request_id, held());
    if (op == "stats") return reply(request_id, stats());
    if (op == "shutdown")
        return shutdown([this, request_id] {
            reply(request_id, nlohmann::json::object());
            stopping_ = true;
        });
    if (!fields.contains("id") || !fields["id"].is_number_unsigned())
        return reply(request_id, invalid_request(fmt::format("{}: no container id", op)));
    const uint64_t id = fields["id"].get<uint64_t>();
    Container* c = find(id);
    if (!c) return reply(request_id, error(ErrorKind::NotFound, "container monitor: no container {}", id));
    if (op == "start" || op == "pause" || op == "resume") return change(request_id, id, op);
    if (op == "destroy")
        return destroy(id, [this, request_id] { reply(request_id, nlohmann::json::object()); });
    if (op == "info") return reply(request_id, nlohmann::json(ctrmon::Status{c->ring.total()}));
    if (op == "logs") return reply_raw(request_id, c->ring.contents());
    if (op == "follow") {
        c->followed = true;
        return reply_raw(request_id, c->ring.contents());
    }
    if (op == "unfollow") {
        c->followed = false;
        return reply(request_id, nlohmann::json(ctrmon::Status{c->ring.total()}));
    }
    reply(request_id, invalid_request(fmt::format("unknown op \"{}\"", op)));
}

void ContainerMonitor::run_container(uint64_t request_id, const ctrmon::Run& run) {
    if (containers_.count(run.id))
        return reply(request_id,
                     error(ErrorKind::Conflict, "container monitor: container {} exists", run.id));
    std::optional<ConsoleLog> log;
    if (!run.log_path.empty()) {
        Result<ConsoleLog> opened = ConsoleLog::open(run.log_path, std::max<uint64_t>(run.log_max_bytes, 1));
        if (!opened) return reply(request_id, std::move(opened).error());
        log.emplace(std::move(*opened));
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return reply(request_id, error("pipe: {}", std::strerror(errno)));
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);
    Container& c = containers_[run.id];
    c.id = run.id;
    c.name = fmt::format("sf-{}", run.id);
    c.bundle = run.bundle;
    c.cgroup = run.cgroup;
    c.ring = ConsoleRing(run.ring_size);
    c.log = std::move(log);
    c.output = std::move(read_end);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = kOutput | run.id;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.output.get(), &e);
    const std::string pid_file = run.bundle + "/init.pid";
    ::unlink(pid_file.c_str());
    ::truncate(OciRuntime::log_path(run.bundle).c_str(), 0);
    // A container started at once is one runtime command (`run --detach`: its
    // init is reparented here, the subreaper, when the runtime exits); one
    // created stopped waits for `start` (`create`).
    std::vector<std::string> args = {"create"};
    if (run.start) args = {"run", "--detach"};
    args.insert(args.end(), {"--bundle=" + run.bundle, "--pid-file=" + pid_file, c.name});
    const std::vector<std::string> argv = runtime_.command(run.bundle, args);
    Result<pid_t> pid = OciRuntime::spawn(argv, write_end.get());
    if (!pid) {
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.output.get(), nullptr);
        containers_.erase(run.id);
        return reply(request_id, std::move(pid).error());
    }
    if (run.start) {
        ++detached_runs_;
        c.run_seq = ++runs_spawned_;
    }
    commands_[*pid] = [this, request_id, id = run.id, start = run.start](int status) {
        created(request_id, id, start, status);
        if (start && --detached_runs_ == 0) early_exits_.clear();
    };
}

// `RUNTIME create` ended (the init waits for `start`), or `RUNTIME run --detach`
// (the init runs); either way the init is our child now (the runtime exited).
void ContainerMonitor::created(uint64_t request_id, uint64_t id, bool start, int wait_status) {
    Container* c = find(id);
    if (!c) return reply(request_id, error(ErrorKind::NotFound, "container {} was destroyed meanwhile", id));
    pid_t init = -1;
    std::ifstream(c->bundle + "/init.pid") >> init;
    if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0 || init <= 0) {
        const std::string why = OciRuntime::error(c->bundle, wait_status);
        destroy(id, [this, request_id, why] {
            reply(request_id, error(ErrorKind::InvalidArgument, "the OCI runtime cannot create it: {}", why));
        });
        return;
    }
    c->init = init;
    if (start) { // `run --detach`: it runs; its init may have ended already
        c->phase = Phase::Running;
        reply(request_id, nlohmann::json::object());
        if (auto early = early_exits_.find(init);
            early != early_exits_.end() && early->second.runs_spawned >= c->run_seq) {
            const int status = early->second.wait_status;
            early_exits_.erase(early);
            init_ended(*c, status);
        } else {
            inits_[init] = id;
        }
        return;
    }
    inits_[init] = id;
    c->phase = Phase::Created;
    reply(request_id, nlohmann::json::object());
}

void ContainerMonitor::change(uint64_t request_id, uint64_t id, const std::string& op) {
    Container& c = *find(id);
    if (c.phase == Phase::Ended || c.phase == Phase::Creating)
        return reply(request_id, error(ErrorKind::Conflict, "container {} has ended", id));
    runtime_command(c, {op, c.name}, [this, request_id, id, op](int status) {
        Container* changed = find(id);
        if (!changed) return reply(request_id, error(ErrorKind::NotFound, "container {} was destroyed", id));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            return reply(request_id, error(ErrorKind::Conflict, "{}: {}", op,
                                           OciRuntime::error(changed->bundle, status)));
        if (changed->phase != Phase::Ended) changed->phase = op == "pause" ? Phase::Paused : Phase::Running;
        reply(request_id, nlohmann::json(ctrmon::Status{changed->ring.total()}));
    });
}

// Kills and deletes the container (its processes, cgroup and runtime state), then forgets it.
void ContainerMonitor::destroy(uint64_t id, const std::function<void()>& then) {
    Container* c = find(id);
    if (!c) return then();
    auto forget = [this, id, then](int) {
        Container* gone = find(id);
        if (!gone) return then();
        if (gone->output.valid()) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, gone->output.get(), nullptr);
        const pid_t init = gone->init;
        containers_.erase(id);
        if (init <= 0 || inits_.erase(init) == 0) return then();
        // The runtime has killed the init, but this process may not have
        // reaped it yet (its exit and the runtime's can come in either
        // order): answer when it is gone, so that not even a zombie of the
        // container is left when sfd hears it was destroyed. It is our
        // child, so its pid cannot be reused meanwhile; the SIGKILL is for
        // an init the runtime failed to kill.
        ::kill(init, SIGKILL);
        commands_[init] = [then](int) { then(); };
    };
    if (c->phase == Phase::Ended) return forget(0);
    c->destroying = true;
    runtime_command(*c, {"delete", "--force", c->name}, forget);
}

void ContainerMonitor::shutdown(const std::function<void()>& then) {
    auto left = std::make_shared<size_t>(containers_.size());
    if (*left == 0) {
        then();
        if (!control_.valid()) stopping_ = true;
        return;
    }
    std::vector<uint64_t> ids;
    for (const auto& [id, c] : containers_)
        ids.push_back(id);
    for (uint64_t id : ids)
        destroy(id, [this, left, then] {
            if (--*left > 0) return;
            then();
            if (!control_.valid()) stopping_ = true;
        });
}

Result<nlohmann::json> ContainerMonitor::held() const {
    ctrmon::Held held;
    for (const auto& [id, c] : containers_) {
        if (c.phase == Phase::Creating) continue; // sfd died creating it: not its guest
        ctrmon::HeldContainer h;
        h.id = id;
        h.state = c.phase == Phase::Ended ? (c.reason ? "crashed" : "exited")
                                          : phase_state(static_cast<int>(c.phase));
        h.status = c.status;
        h.reason = c.reason;
        h.console_bytes = c.ring.total();
        held.containers.push_back(h);
    }
    return nlohmann::json(held);
}

Result<nlohmann::json> ContainerMonitor::stats() const {
    ctrmon::Stats s;
    s.containers = containers_.size();
    s.pid = ::getpid();
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key)
        if (key == "VmRSS:")
            status >> s.rss_kib;
        else
            status.ignore(4096, '\n');
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        ++s.fds;
    return nlohmann::json(s);
}

void ContainerMonitor::runtime_command(const Container& c, const std::vector<std::string>& args, Done done) {
    ::truncate(OciRuntime::log_path(c.bundle).c_str(), 0);
    Result<pid_t> pid = OciRuntime::spawn(runtime_.command(c.bundle, args), -1);
    if (!pid) {
        std::fprintf(stderr, "sf-ctrmon: %s\n", pid.error().message.c_str());
        return done(W_EXITCODE(127, 0));
    }
    commands_[*pid] = std::move(done);
}

void ContainerMonitor::on_child_signal() {
    signalfd_siginfo info{};
    while (::read(signals_.get(), &info, sizeof info) == sizeof info) {
    }
    for (;;) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) break;
        if (auto command = commands_.find(pid); command != commands_.end()) {
            Done done = std::move(command->second);
            commands_.erase(command);
            done(status);
        } else if (auto init = inits_.find(pid); init != inits_.end()) {
            const uint64_t id = init->second;
            inits_.erase(init);
            if (Container* c = find(id)) init_ended(*c, status);
        } else if (detached_runs_ > 0) {
            // Perhaps the init of a `run --detach` still under way, which
            // ended before its runtime did: created() looks here.
            early_exits_[pid] = {status, runs_spawned_};
        } // else: a process of a container, reparented here when its init ended
    }
}

// A container's init ended: how (its status, a signal, the OOM killer), then
// whatever is left is deleted before sfd hears of it.
void ContainerMonitor::init_ended(Container& c, int wait_status) {
    c.init = -1;
    // Killed by a destroy's `delete --force`, which removes the rest: a
    // second delete would only double the runtime's work, and sfd, which
    // asked for the destroy, wants no exit event.
    if (c.destroying) return drain(c);
    const uint64_t ooms = oom_kills(c.cgroup);
    if (WIFEXITED(wait_status)) {
        c.status = WEXITSTATUS(wait_status);
    } else if (WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL && ooms > 0) {
        c.reason = fmt::format("out of memory: killed by the kernel's OOM killer at its memory limit "
                               "({} OOM kills in its cgroup)",
                               ooms);
    } else {
        c.reason = describe_wait_status(wait_status);
    }
    drain(c);
    runtime_command(c, {"delete", "--force", c.name}, [this, id = c.id](int) {
        Container* ended = find(id);
        if (!ended) return;
        drain(*ended);
        ended->phase = Phase::Ended;
        worker_api::GuestEvent e;
        if (ended->reason) {
            e.kind = worker_api::GuestEvent::Kind::Crashed;
            e.reason = *ended->reason;
        } else {
            e.kind = worker_api::GuestEvent::Kind::Exited;
            e.status = ended->status.value_or(0);
        }
        send_event(id, e);
    });
}

void ContainerMonitor::drain(Container& c) {
    if (c.output.valid()) on_output(c.id);
}

void ContainerMonitor::on_output(uint64_t id) {
    Container* c = find(id);
    if (!c || !c->output.valid()) return;
    char buffer[kReadChunk];
    for (;;) {
        const ssize_t n = ::read(c->output.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) { // every writer is gone
                ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c->output.get(), nullptr);
                c->output.reset();
            }
            return;
        }
        const std::string_view bytes(buffer, static_cast<size_t>(n));
        c->ring.append(bytes);
        if (c->log) c->log->append(bytes);
        if (!c->has_output) {
            c->has_output = true;
            worker_api::GuestEvent e;
            e.kind = worker_api::GuestEvent::Kind::FirstOutput;
            e.t_ns = monotonic_ns();
            send_event(id, e);
        }
        if (c->followed && control_.valid())
            (void)wire::send(control_.get(), wire::Type::Console, 0, id, bytes);
    }
}

} // namespace sf::host
