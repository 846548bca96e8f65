// superfluid worker: WorkerMigrations, live migration, both ends
// (docs/migration.md, "Worker operations" and "Migration").
//
// Sender: dirty logging on; round 0 sends every touched page while the guest
// runs, then rounds of the pages dirtied meanwhile, until few are left (at
// most kSmallDirtySet), the set stops shrinking, or kMaxRounds; then the
// guest is paused (the downtime starts: paused_ns) and the last dirty pages,
// the monitor's records (which resend the NIC rings), Console, Watches and
// GuestEnd follow. From the pause on, a guest that was running has its port
// held (FramePort::hold): frames that reach it here are kept, not written to
// the RX ring already copied; they go back to sfd, towards the guest's new
// host, when it leaves (remove), or into the ring if it stays (release: a
// failure here, or sfd's resume).
// Pages go out with writev straight from guest memory (snapshot::Writer).
// Both ends bound their socket buffers (256 KiB asked, the kernel doubles
// it): without that, pre-copy "ends" with megabytes still queued for a
// receiver that lags (a busy host), and it reads them during the downtime.
//
// Receiver: restore's reading, bounded by the timeout per wait, then a Reply
// record on the same socket, which the sender waits for.
//
// Sealed: sfd authenticated the peer and hands over the connection's keys
// and frame counts ("session", host/migration/migration_session.h); every
// record both ways is sealed with them, and the reply gives the counts back.
// A request without "session" (tests on a socketpair) runs in clear.
#include "host/worker/worker_migrations.h"

#include "common/json_fields.h"
#include "host/migration/migration_session.h"
#include "host/worker/worker.h"
#include "vmm/guest_clock.h"
#include "vmm/snapshot/reader.h"
#include "vmm/snapshot/writer.h"

#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sf::host {
namespace {

namespace snapshot = vmm::snapshot;

constexpr size_t kSmallDirtySet = 32; // pages: few enough to send while paused
constexpr uint64_t kMaxRounds = 8;    // pre-copy rounds at most
// The request's session, if it has one.
Result<std::optional<MigrationSession>> session_of(const std::optional<nlohmann::json>& keys) {
    if (!keys) return std::optional<MigrationSession>();
    SF_TRY_ASSIGN(MigrationSession session, MigrationSession::from_json(*keys));
    return std::optional<MigrationSession>(std::move(session));
}

snapshot::StreamCipher* sending(std::optional<MigrationSession>& session) {
    return session ? &session->sending() : nullptr;
}
snapshot::StreamCipher* receiving(std::optional<MigrationSession>& session) {
    return session ? &session->receiving() : nullptr;
}

// The session's counts for sfd to continue from.
std::optional<nlohmann::json> counts_of(const std::optional<MigrationSession>& session) {
    if (!session) return std::nullopt;
    return session->counts();
}

// Small records go out at once (the Reply, GuestEnd): no Nagle delay. Not TCP (a test's socketpair): no-op.
void set_nodelay(int socket) {
    int one = 1;
    (void)::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Bounds how far the sender runs ahead of the receiver's reading: what sits
// in the socket buffers when the guest is paused is read during downtime.
void bound_buffers(int socket, int option) {
    int bytes = 256 << 10;
    (void)::setsockopt(socket, SOL_SOCKET, option, &bytes, sizeof bytes);
}

double ms_between(uint64_t from_ns, uint64_t to_ns) {
    return static_cast<double>(to_ns - from_ns) / 1e6;
}

std::vector<uint64_t> merge_pages(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
    std::vector<uint64_t> out;
    out.reserve(a.size() + b.size());
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

// A failure while sending: named a lost connection when the socket says so
// (an error or hang-up pending), else with how far the stream got.
Result<void> sent(Result<void> result, const snapshot::Writer& writer, int socket) {
    if (result) return result;
    pollfd state{socket, 0, 0};
    const bool lost = ::poll(&state, 1, 0) > 0 && (state.revents & (POLLERR | POLLHUP)) != 0;
    return error(lost ? ErrorKind::Unavailable : result.error().kind, "{} after {} bytes: {}",
                 lost ? "connection lost" : "failed", writer.bytes_written(), result.error().message);
}

// Pre-copy: every touched page, then rounds of dirtied ones while the guest
// runs. Returns the dirty pages of the last round, not sent yet.
Result<std::vector<uint64_t>> precopy(vmm::Guest& vm, snapshot::Writer& writer, int socket,
                                      std::stop_token stop, uint64_t& rounds) {
    SF_TRY_ASSIGN(std::vector<uint64_t> pages, vm.touched_pages());
    for (;;) {
        if (stop.stop_requested()) return error(ErrorKind::Unavailable, "cancelled");
        SF_TRY(sent(writer.pages(vm.memory(), pages, snapshot::PageCheck::Live), writer, socket));
        ++rounds;
        SF_TRY_ASSIGN(std::vector<uint64_t> dirty, vm.take_dirty_pages());
        if (dirty.size() <= kSmallDirtySet || dirty.size() >= pages.size() || rounds + 1 >= kMaxRounds)
            return dirty;
        pages = std::move(dirty);
    }
}

// Bytes written to the socket that the peer has not acknowledged yet (0 where unknown).
uint64_t unacknowledged(int socket) {
    int bytes = 0;
    return ::ioctl(socket, SIOCOUTQ, &bytes) == 0 && bytes > 0 ? static_cast<uint64_t>(bytes) : 0;
}

// Waits for the receiver's Reply record: ok, or an error naming the cause.
// The timeout bounds a stall, not the whole wait: while the stream still
// drains from the socket buffers over a slow link (the unacknowledged bytes
// shrink) the receiver is making progress.
Result<void> read_reply(int socket, snapshot::StreamCipher* cipher, std::chrono::milliseconds timeout,
                        uint64_t bytes_sent) {
    constexpr int kSliceMs = 50;
    pollfd ready{socket, POLLIN, 0};
    uint64_t in_flight = unacknowledged(socket);
    auto last_progress = std::chrono::steady_clock::now();
    for (;;) {
        const int n = ::poll(&ready, 1, kSliceMs);
        if (n > 0) break;
        if (n < 0 && errno != EINTR) return error(ErrorKind::Unavailable, "poll: {}", std::strerror(errno));
        const auto now = std::chrono::steady_clock::now();
        if (const uint64_t left = unacknowledged(socket); left < in_flight) {
            in_flight = left;
            last_progress = now;
        }
        if (now - last_progress >= timeout)
            return error(ErrorKind::Unavailable, "timed out waiting for the receiver");
    }
    snapshot::Reader reader(
        socket, snapshot::IoDeadline{timeout, snapshot::IoDeadline::Clock::now() + timeout}, cipher);
    Result<snapshot::Record> record = reader.next();
    if (!record)
        return error(ErrorKind::Unavailable, "connection lost after {} bytes: {}", bytes_sent,
                     record.error().message);
    if (record->tag != snapshot::Tag::Reply)
        return error(ErrorKind::Unavailable, "receiver: a {} record instead of its Reply",
                     snapshot::describe_tag(record->tag));
    const auto reply = nlohmann::json::parse(record->payload.begin(), record->payload.end(), nullptr, false);
    if (bool_field(reply, "ok")) return ok();
    return error(ErrorKind::Unavailable, "receiver: {}", string_field(reply, "error", "a malformed Reply"));
}

} // namespace

Result<void> WorkerMigrations::send_guest(const std::shared_ptr<WorkerGuest>& guest, vmm::Guest& vm,
                                          snapshot::Writer& writer, int socket, std::stop_token stop,
                                          Outgoing& out) {
    out.start_ns = vmm::host_monotonic_ns();
    std::vector<uint64_t> left;
    if (vm.has_dirty_log()) {
        SF_TRY_ASSIGN(left, precopy(vm, writer, socket, stop, out.rounds));
    }
    out.precopy_end_ns = vmm::host_monotonic_ns();
    SF_TRY_ASSIGN(out.was_running, scheduler_.quiesce(guest, WorkerSnapshots::kQuiesceTimeout, stop));
    out.paused_ns = vmm::host_monotonic_ns();
    if (out.was_running && guest->port_key) {
        frames_.hold(*guest->port_key); // before the last dirty pages: the ring is not written after them
        out.held = true;
    }
    // Without a dirty log (the process backend): stop-and-copy, every touched page now.
    SF_TRY_ASSIGN(std::vector<uint64_t> last,
                  vm.has_dirty_log() ? vm.take_dirty_pages() : vm.touched_pages());
    SF_TRY(
        sent(writer.pages(vm.memory(), merge_pages(left, last), snapshot::PageCheck::Full), writer, socket));
    ++out.rounds;
    SF_TRY(sent(snapshots_.write_guest_records(*guest, vm, writer), writer, socket));
    out.stop_copy_end_ns = vmm::host_monotonic_ns();
    return ok();
}

// The guest sent on the connected `socket`, up to the receiver's verdict.
Result<worker_api::Sent> WorkerMigrations::migrate_out(const worker_api::MigrateOut& request, int socket,
                                                       std::stop_token stop) {
    const uint64_t id = request.id;
    const std::chrono::milliseconds timeout(request.timeout_ms);
    SF_TRY_ASSIGN(std::shared_ptr<WorkerGuest> guest, worker_.find(id));
    std::shared_ptr<vmm::Guest> vm = scheduler_.vm(*guest); // kept alive even if the guest ends meanwhile
    if (!vm) return error(ErrorKind::Conflict, "guest {} has ended", id);
    SF_TRY_ASSIGN(std::optional<MigrationSession> session, session_of(request.session));
    set_nodelay(socket);
    bound_buffers(socket, SO_SNDBUF);
    if (vm->has_dirty_log()) SF_TRY(vm->enable_dirty_log());
    Outgoing out;
    uint64_t bytes_sent = 0, pages_sent = 0;
    Result<void> done = [&] {
        snapshot::Writer writer(socket, snapshot::IoDeadline{timeout, std::nullopt}, sending(session));
        Result<void> result = send_guest(guest, *vm, writer, socket, stop, out);
        bytes_sent = writer.bytes_written();
        pages_sent = writer.pages_written();
        return result;
    }();
    if (vm->has_dirty_log()) (void)vm->disable_dirty_log();
    if (done) done = read_reply(socket, receiving(session), timeout, bytes_sent);
    if (!done) {
        if (out.held) frames_.release(*guest->port_key);
        if (out.was_running) (void)scheduler_.resume(guest); // never left paused by a failure
        return error(done.error().kind, "migrate_out: {}", done.error().message);
    }
    return worker_api::Sent{bytes_sent,
                            out.rounds,
                            pages_sent,
                            ms_between(out.start_ns, out.precopy_end_ns),
                            ms_between(out.paused_ns, out.stop_copy_end_ns),
                            ms_between(out.stop_copy_end_ns, vmm::host_monotonic_ns()),
                            out.paused_ns,
                            counts_of(session)};
}

// A guest read from the connected `socket` and built, paused; the sender told whether it was.
Result<worker_api::Built> WorkerMigrations::migrate_in(const worker_api::MigrateIn& request, int socket,
                                                       std::stop_token stop) {
    const std::chrono::milliseconds timeout(request.timeout_ms);
    SF_TRY_ASSIGN(std::optional<MigrationSession> session, session_of(request.session));
    set_nodelay(socket);
    bound_buffers(socket, SO_RCVBUF);
    uint64_t bytes = 0;
    WorkerSnapshots::Incoming in;
    Result<std::shared_ptr<WorkerGuest>> built = [&] {
        snapshot::Reader reader(socket, snapshot::IoDeadline{timeout, std::nullopt}, receiving(session));
        Result<std::shared_ptr<WorkerGuest>> guest = snapshots_.read_guest(request.guest, reader, stop, in);
        bytes = reader.bytes_read();
        return guest;
    }();
    const nlohmann::json answer =
        built ? nlohmann::json{{"ok", true}} : nlohmann::json{{"error", built.error().message}};
    Result<void> told = [&] {
        snapshot::Writer writer(socket, snapshot::IoDeadline{timeout, std::nullopt}, sending(session));
        return writer.record(snapshot::Tag::Reply, answer.dump());
    }();
    if (!built) return error(built.error().kind, "migrate_in: {}", built.error().message);
    if (!told) {
        (void)worker_.remove_guest((*built)->id()); // the sender did not hear of it: its guest runs on there
        return error(ErrorKind::Unavailable, "migrate_in: sending the Reply failed: {}",
                     told.error().message);
    }
    worker_api::Built reply = in.built(bytes);
    reply.session = counts_of(session);
    return reply;
}

} // namespace sf::host
