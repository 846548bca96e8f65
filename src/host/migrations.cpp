// superfluid toolstack: live migration between sfd hosts (docs/migration.md,
// "Migration"). The sender and the receiver each hand the connection to a
// worker for the guest part and keep the rest: authentication, placement,
// the store subtree, the commit.
//
// Who owns the guest when: the sender's until the receiver's commit Reply
// arrives; a failure before it (cut link, dead receiver, refusal, timeout)
// resumes the guest at the sender and makes the receiver drop what it built.
// If the link dies after the receiver resumed the guest but before its Reply
// arrives, the sender cannot tell; it resumes its copy too (the guest would
// then run twice: both sides log it). Closing that window needs a third party
// (the orchestrator's cluster state).
#include "host/migrations.h"

#include "superfluid/abi.h"

#include "common/json_fields.h"
#include "host/migration/held_frames.h"
#include "host/migration/json_records.h"
#include "host/migration/migration_handshake.h"
#include "host/migration/tcp_endpoint.h"
#include "vmm/guest_clock.h"

#include <sys/socket.h>

#include <cstdio>
#include <thread>

namespace sf::host {
namespace {

using vmm::snapshot::IoDeadline;
using vmm::snapshot::Tag;

constexpr std::chrono::milliseconds kConnectTimeout{2000};
// Frames kept at the source go into the guest's RX ring at most half a ring
// at a time, with a pause for the guest to take them: a long downtime under a
// busy client (1 Gbit/s, a ping every 0.2 ms) keeps more than a ring holds.
constexpr size_t kInjectBurst = SF_NET_RING_SLOTS / 2;
constexpr std::chrono::microseconds kInjectPause{1000};

IoDeadline bounded(std::chrono::milliseconds timeout) {
    return IoDeadline{timeout, IoDeadline::Clock::now() + timeout};
}

// A Writer / Reader on the connection, sealed with the session's keys.
vmm::snapshot::Writer sealed_writer(int connection, MigrationSession& session,
                                    std::chrono::milliseconds timeout) {
    return vmm::snapshot::Writer(connection, bounded(timeout), &session.sending());
}
vmm::snapshot::Reader sealed_reader(int connection, MigrationSession& session,
                                    std::chrono::milliseconds timeout) {
    return vmm::snapshot::Reader(connection, bounded(timeout), &session.receiving());
}

double ms_between(uint64_t from_ns, uint64_t to_ns) {
    return to_ns > from_ns ? static_cast<double>(to_ns - from_ns) / 1e6 : 0.0;
}

} // namespace

Result<MigrateResult> Migrations::migrate(const std::string& ref, const MigrateRequest& request) {
    const uint64_t t0 = vmm::host_monotonic_ns();
    if (!options_.token)
        return error(ErrorKind::Conflict,
                     "this sfd has no migration token (start it with --migrate-token-file)");
    SF_TRY_ASSIGN(const TcpEndpoint to, TcpEndpoint::parse(request.to));
    SF_TRY(options_.peers.allow(to));
    SF_TRY_ASSIGN(const GuestMoves::Departing departing, moves_.depart(ref, Busy::Migrating));
    Result<UniqueFd> connection = to.connect(kConnectTimeout);
    Result<MigrationSession> session =
        connection ? handshake_as_sender(connection->get(), *options_.token, options_.timeout)
                   : Result<MigrationSession>(std::move(connection).error());
    bool paused = false;
    Result<MigrateResult> sent = session
                                     ? send(departing, connection->get(), *session, to.to_string(), paused)
                                     : Result<MigrateResult>(std::move(session).error());
    if (!sent) {
        moves_.finish(departing, true, paused); // the guest runs on here
        return error(sent.error().kind == ErrorKind::Internal ? ErrorKind::Unavailable : sent.error().kind,
                     "migrating '{}' to {} failed, it runs on here: {}", departing.guest.info.name,
                     to.to_string(), sent.error().message);
    }
    moves_.finish(departing, false, paused); // gone from here: its port and address are freed
    sent->total_ms = ms_between(t0, vmm::host_monotonic_ns());
    sent->phases["frames_forwarded"] = forward_kept_frames(departing, connection->get(), *session);
    return sent;
}

// The frames that reached the guest here while it was paused (its worker
// returned them when it was destroyed) follow it: one Frames record, empty
// when there were none, which the receiver waits for.
size_t Migrations::forward_kept_frames(const GuestMoves::Departing& departing, int connection,
                                       MigrationSession& session) {
    const std::optional<uint32_t> port_key = departing.guest.port_key;
    const HeldFrames kept = port_key ? moves_.net().take_returned(*port_key) : HeldFrames{};
    const std::string payload = encode_frames(kept);
    vmm::snapshot::Writer writer = sealed_writer(connection, session, options_.timeout);
    if (Result<void> sent = writer.record(
            Tag::Frames, std::span(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()));
        !sent) {
        std::fprintf(stderr, "sfd: guest %s: its %zu kept frames were not sent: %s\n",
                     departing.guest.info.name.c_str(), kept.size(), sent.error().message.c_str());
        return 0;
    }
    return kept.size();
}

// After its commit Reply the receiver takes the Frames record and puts its
// frames in the guest's ring, as if they had arrived here.
void Migrations::receive_kept_frames(const GuestRegistry::Reservation& guest, int connection,
                                     MigrationSession& session) {
    vmm::snapshot::Reader reader = sealed_reader(connection, session, options_.timeout);
    Result<vmm::snapshot::Record> record = read_record(reader, Tag::Frames);
    Result<HeldFrames> frames =
        record ? decode_frames(record->payload) : Result<HeldFrames>(std::move(record).error());
    if (!frames) {
        std::fprintf(stderr, "sfd: guest %s: the frames kept at its old host are lost: %s\n",
                     guest.info.name.c_str(), frames.error().message.c_str());
        return;
    }
    if (!guest.nic) return;
    for (size_t i = 0; i < frames->size(); ++i) {
        if (i > 0 && i % kInjectBurst == 0)
            std::this_thread::sleep_for(kInjectPause); // the guest empties its ring
        moves_.net().inject(guest.nic->port_key, (*frames)[i]);
    }
}

// The receiver proved itself (handshake_as_sender): everything from here on is sealed.
Result<MigrateResult> Migrations::send(const GuestMoves::Departing& departing, int connection,
                                       MigrationSession& session, const std::string& to, bool& paused) {
    SF_TRY_ASSIGN(GuestDescription description, moves_.describe(departing));
    const auto timeout = options_.timeout;
    {
        vmm::snapshot::Writer writer = sealed_writer(connection, session, timeout);
        SF_TRY(writer.header());
        SF_TRY(write_json(writer, Tag::Host, description.to_json()));
    }
    {
        vmm::snapshot::Reader reader = sealed_reader(connection, session, timeout);
        SF_TRY(read_reply(reader, to));
    }
    // The guest part: the worker pre-copies, pauses the guest, sends the rest and reads the receiver's
    // verdict.
    const GuestRef guest = departing.guest.ref();
    SF_TRY_ASSIGN(const worker_api::Sent moved,
                  moves_.vms().call(guest.where,
                                    worker_api::MigrateOut{guest.id, static_cast<uint64_t>(timeout.count()),
                                                           session.to_json()},
                                    connection));
    paused = true;
    SF_TRY(session.continue_from(moved.session));
    SF_TRY_ASSIGN(const std::vector<DataEntry> data, moves_.data(departing));
    {
        vmm::snapshot::Writer writer = sealed_writer(connection, session, timeout);
        SF_TRY(write_json(writer, Tag::Commit, data_to_json(data)));
    }
    nlohmann::json committed;
    {
        vmm::snapshot::Reader reader = sealed_reader(connection, session, timeout);
        SF_TRY_ASSIGN(committed, read_reply(reader, to));
    }
    const uint64_t running_there = vmm::host_monotonic_ns();
    MigrateResult result;
    result.guest = departing.guest.info.name;
    result.to = to;
    result.downtime_ms = ms_between(moved.paused_ns, running_there);
    result.bytes_sent = moved.bytes_sent;
    result.rounds = moved.rounds;
    result.phases = worker_api::to_object(moved);
    result.phases.erase("session");
    if (const nlohmann::json* receiver = json_field(committed, "receiver"))
        result.phases["receiver"] = *receiver;
    return result;
}

void Migrations::receive(UniqueFd connection, MigrationSession session) {
    Result<GuestInfo> arrived = accept(connection.get(), session);
    if (!arrived)
        std::fprintf(stderr, "sfd: an incoming migration failed: %s\n", arrived.error().message.c_str());
    else
        std::fprintf(stderr, "sfd: guest %s arrived (id %llu)\n", arrived->name.c_str(),
                     static_cast<unsigned long long>(arrived->id));
}

// The sender proved itself (MigrationListener ran handshake_as_receiver): everything here is sealed.
Result<GuestInfo> Migrations::accept(int connection, MigrationSession& session) {
    const auto timeout = options_.timeout;
    auto refuse = [&](const Error& e) -> Error {
        vmm::snapshot::Writer writer = sealed_writer(connection, session, timeout);
        (void)write_json(writer, Tag::Reply, {{"error", e.message}});
        return e;
    };
    const uint64_t accepted_at = vmm::host_monotonic_ns();
    GuestDescription description;
    {
        vmm::snapshot::Reader reader = sealed_reader(connection, session, timeout);
        SF_TRY(reader.header());
        SF_TRY_ASSIGN(const nlohmann::json host, read_json(reader, Tag::Host, kMaxHostRecord));
        Result<GuestDescription> parsed = GuestDescription::from_json(host);
        if (!parsed) return refuse(parsed.error());
        description = std::move(*parsed);
    }
    Result<GuestRegistry::Reservation> arrived = moves_.arrive(description, description.name);
    if (!arrived) return refuse(arrived.error());
    GuestRegistry::Reservation guest = std::move(*arrived);
    auto drop = [&](const Error& e) -> Error {
        moves_.drop(std::move(guest));
        return e;
    };
    {
        vmm::snapshot::Writer writer = sealed_writer(connection, session, timeout);
        if (Result<void> sent = write_json(writer, Tag::Reply, {{"ok", true}, {"id", guest.id()}}); !sent)
            return drop(sent.error());
    }
    const worker_api::MigrateIn message{moves_.spec(guest, description),
                                        static_cast<uint64_t>(timeout.count()), session.to_json()};
    const uint64_t built_from = vmm::host_monotonic_ns();
    Result<worker_api::Built> built = moves_.vms().call(guest.ref().where, message, connection);
    if (!built) return drop(built.error());
    if (Result<void> counted = session.continue_from(built->session); !counted) return drop(counted.error());
    nlohmann::json figures = worker_api::to_object(*built);
    figures.erase("session");
    figures["accept_ms"] = static_cast<double>(built_from - accepted_at) / 1e6; // challenge to placed
    figures["worker_ms"] = static_cast<double>(vmm::host_monotonic_ns() - built_from) / 1e6;
    std::vector<DataEntry> data;
    {
        vmm::snapshot::Reader reader = sealed_reader(connection, session, timeout);
        Result<nlohmann::json> commit = read_json(reader, Tag::Commit);
        if (!commit) return drop(error("waiting for the sender's commit: {}", commit.error().message));
        Result<std::vector<DataEntry>> entries = data_from_json(*commit);
        if (!entries) return drop(refuse(entries.error()));
        data = std::move(*entries);
    }
    const uint64_t settle_from = vmm::host_monotonic_ns();
    Result<GuestInfo> settled = moves_.settle(guest, data, description.paused);
    if (!settled) return drop(refuse(settled.error())); // the sender waits for a Reply: it says why
    guest.keep();
    figures["settle_ms"] = static_cast<double>(vmm::host_monotonic_ns() - settle_from) / 1e6;
    vmm::snapshot::Writer writer = sealed_writer(connection, session, timeout);
    if (Result<void> sent = write_json(writer, Tag::Reply, {{"ok", true}, {"receiver", figures}}); !sent)
        std::fprintf(stderr, "sfd: guest %s runs here but the sender may not know: %s\n",
                     guest.info.name.c_str(), sent.error().message.c_str());
    else
        receive_kept_frames(guest, connection, session);
    return settled;
}

} // namespace sf::host
