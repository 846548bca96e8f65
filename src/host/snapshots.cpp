// superfluid toolstack: saving a guest to a snapshot file and restoring one
// (docs/migration.md, "Save and restore"; the layout: docs/snapshot-format.md).
//
// A file is: stream header, Host (sfd), the guest part (the worker's:
// Memory... GuestEnd), Commit (sfd: the store subtree data/), End (sfd:
// {"bytes": offset of the End record}). Files live in the SnapshotDir only
// (--snapshot-dir); a request names one there. It is written to
// NAME.partial and renamed once complete and synced, so NAME is never half
// written. A restore reads and checks the whole file before it builds
// anything; its errors never quote the file's bytes.
#include "host/snapshots.h"

#include "common/json_fields.h"
#include "host/migration/json_records.h"
#include "vmm/guest_clock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sf::host {
namespace {

using vmm::snapshot::Tag;

double ms_since(uint64_t t0) {
    return static_cast<double>(vmm::host_monotonic_ns() - t0) / 1e6;
}

// What a restore needs from a checked file.
struct CheckedSnapshot {
    GuestDescription description;
    std::vector<DataEntry> data;
    off_t guest_offset = 0; // the first record of the guest part
};

Result<CheckedSnapshot> check_records(int fd) {
    vmm::snapshot::Reader reader(fd);
    SF_TRY(reader.header());
    SF_TRY_ASSIGN(const nlohmann::json host, read_json(reader, Tag::Host));
    CheckedSnapshot checked;
    SF_TRY_ASSIGN(checked.description, GuestDescription::from_json(host));
    checked.guest_offset = static_cast<off_t>(reader.bytes_read());
    bool guest_end = false, commit = false;
    for (;;) {
        const uint64_t at = reader.bytes_read();
        SF_TRY_ASSIGN(const vmm::snapshot::RecordHeader header, reader.next_header());
        SF_TRY_ASSIGN(const std::vector<uint8_t> payload, reader.read_payload(header));
        const auto tag = static_cast<Tag>(header.tag);
        const nlohmann::json json =
            tag == Tag::Commit || tag == Tag::End
                ? nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false)
                : nlohmann::json();
        if (tag == Tag::GuestEnd) {
            guest_end = true;
        } else if (tag == Tag::Commit) {
            if (!guest_end)
                return error(ErrorKind::InvalidArgument, "a Commit record before the guest's end");
            SF_TRY_ASSIGN(checked.data, data_from_json(json));
            commit = true;
        } else if (tag == Tag::End) {
            if (!commit) return error(ErrorKind::InvalidArgument, "the file ends before its Commit record");
            if (!json.is_object() || u64_field(json, "bytes", UINT64_MAX) != at)
                return error(ErrorKind::InvalidArgument,
                             "the End record does not match the file (records missing?)");
            break;
        } else if (guest_end || tag == Tag::Host || tag == Tag::Reply || tag == Tag::Challenge) {
            return error(ErrorKind::InvalidArgument, "an unexpected {} record at byte {}",
                         vmm::snapshot::describe_tag(tag), at);
        }
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) != reader.bytes_read())
        return error(ErrorKind::InvalidArgument, "{} bytes after the End record",
                     static_cast<uint64_t>(st.st_size) - reader.bytes_read());
    return checked;
}

} // namespace

Result<const SnapshotDir*> Snapshots::dir() const {
    if (!dir_)
        return error(ErrorKind::PermissionDenied,
                     "this sfd has no snapshot directory (start it with --snapshot-dir DIR)");
    return dir_.get();
}

Result<SaveResult> Snapshots::save(const std::string& ref, const SaveRequest& request) {
    const uint64_t t0 = vmm::host_monotonic_ns();
    SF_TRY_ASSIGN(const SnapshotDir* dir, this->dir());
    SF_TRY_ASSIGN(const std::string name, dir->name_of(request.file));
    SF_TRY_ASSIGN(const GuestMoves::Departing departing, moves_.depart(ref, Busy::Saving));
    bool paused = false;
    Result<SaveResult> saved = write(departing, name, paused);
    moves_.finish(departing, !saved || request.keep, paused); // a failed save leaves the guest as it was
    if (saved) saved->ms = ms_since(t0);
    return saved;
}

Result<SaveResult> Snapshots::write(const GuestMoves::Departing& departing, const std::string& name,
                                    bool& paused) {
    SF_TRY_ASSIGN(const GuestDescription description, moves_.describe(departing));
    const SnapshotDir& dir = *dir_;
    SF_TRY_ASSIGN(const UniqueFd fd, dir.create_partial(name));
    struct Discard {
        const SnapshotDir& dir;
        const std::string& name;
        bool keep = false;
        ~Discard() {
            if (!keep) dir.discard(name);
        }
    } discard_partial{dir, name};
    {
        vmm::snapshot::Writer writer(fd.get());
        SF_TRY(writer.header());
        SF_TRY(write_json(writer, Tag::Host, description.to_json()));
    }
    const GuestRef guest = departing.guest.ref();
    SF_TRY_ASSIGN(const worker_api::Saved reply,
                  moves_.vms().call(guest.where, worker_api::Save{guest.id}, fd.get()));
    paused = true;
    SF_TRY_ASSIGN(const std::vector<DataEntry> data, moves_.data(departing));
    {
        vmm::snapshot::Writer writer(fd.get());
        SF_TRY(write_json(writer, Tag::Commit, data_to_json(data)));
        const off_t end_at = ::lseek(fd.get(), 0, SEEK_CUR);
        SF_TRY(write_json(writer, Tag::End, {{"bytes", static_cast<uint64_t>(end_at)}}));
    }
    if (::fsync(fd.get()) != 0)
        return error("fsync {}/{}.partial: {}", dir.path(), name, std::strerror(errno));
    SF_TRY(dir.commit(name));
    discard_partial.keep = true;
    struct stat st {};
    ::fstat(fd.get(), &st);
    return SaveResult{departing.guest.info, dir.path() + "/" + name, static_cast<uint64_t>(st.st_size),
                      reply.pages, 0};
}

Result<GuestInfo> Snapshots::restore(const RestoreRequest& request) {
    SF_TRY_ASSIGN(const SnapshotDir* dir, this->dir());
    SF_TRY_ASSIGN(const std::string file, dir->name_of(request.file));
    SF_TRY_ASSIGN(const UniqueFd fd, dir->open_existing(file));
    const std::string shown = dir->path() + "/" + file;
    Result<CheckedSnapshot> checked = check_records(fd.get());
    if (!checked)
        return error(ErrorKind::InvalidArgument, "{} is not a usable snapshot: {}", shown,
                     checked.error().message);
    const std::string name = request.name.empty() ? checked->description.name : request.name;
    SF_TRY_ASSIGN(GuestRegistry::Reservation guest, moves_.arrive(checked->description, name));
    const worker_api::Restore message{moves_.spec(guest, checked->description)};
    Result<worker_api::Built> built =
        ::lseek(fd.get(), checked->guest_offset, SEEK_SET) < 0
            ? Result<worker_api::Built>(error("lseek: {}", std::strerror(errno)))
            : moves_.vms().call(guest.ref().where, message, fd.get());
    Result<GuestInfo> settled = built ? moves_.settle(guest, checked->data, !request.start)
                                      : Result<GuestInfo>(std::move(built).error());
    if (!settled) {
        moves_.drop(std::move(guest));
        return error(settled.error().kind, "restoring {}: {}", shown, settled.error().message);
    }
    guest.keep();
    return settled;
}

} // namespace sf::host
