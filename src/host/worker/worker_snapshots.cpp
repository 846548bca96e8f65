// superfluid worker: WorkerSnapshots, save and restore, and the guest part of
// a stream as both they and a migration write and read it.
#include "host/worker/worker_snapshots.h"

#include "host/worker/worker.h"
#include "host/worker/worker_records.h"
#include "vmm/guest_clock.h"
#include "vmm/snapshot/loader.h"
#include "vmm/snapshot/reader.h"
#include "vmm/snapshot/writer.h"

#include <cstring>

namespace sf::host {
namespace {

namespace snapshot = vmm::snapshot;

std::string_view as_text(const std::vector<uint8_t>& bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

Result<void> check_guest_end(const snapshot::Record& record, uint64_t records_before, uint64_t bytes_before) {
    records::GuestEndRecord end;
    if (record.payload.size() != sizeof end)
        return error("GuestEnd record of {} bytes", record.payload.size());
    std::memcpy(&end, record.payload.data(), sizeof end);
    if (end.version != records::kGuestEndVersion)
        return error("GuestEnd record version {}; this worker reads {}", end.version,
                     records::kGuestEndVersion);
    if (end.records != records_before || end.bytes != bytes_before)
        return error("the guest part holds {} records in {} bytes; its GuestEnd says {} in {}",
                     records_before, bytes_before, end.records, end.bytes);
    return ok();
}

// When the restored guest is to wake: its poll's deadline on this host's
// clock, or nullopt (run at once) when it is not parked or I/O waits for it.
std::optional<uint64_t> pending_wake(const vmm::Guest& vm) {
    std::optional<uint64_t> deadline = vm.blocked_deadline();
    if (!deadline) return std::nullopt;
    for (const auto& nic : vm.config().nics)
        if (nic->rx_pending()) return std::nullopt;
    if (vm.config().store && vm.config().store->events_pending()) return std::nullopt;
    return vm.clock().to_host_ns(*deadline);
}

} // namespace

Result<void> WorkerSnapshots::write_guest_records(WorkerGuest& guest, vmm::Guest& vm,
                                                  snapshot::Writer& writer) {
    SF_TRY(vm.save_state(writer));
    SF_TRY(writer.record(snapshot::Tag::Console, guest.save_console()));
    SF_TRY(writer.record(snapshot::Tag::Watches, store_links_.save_watches(guest.id())));
    const records::GuestEndRecord end{records::kGuestEndVersion, 0, writer.records_written(),
                                      writer.bytes_written()};
    return writer.record(snapshot::Tag::GuestEnd,
                         std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&end), sizeof end));
}

// The guest paused, its part of the stream written to `fd`.
Result<worker_api::Saved> WorkerSnapshots::save(const worker_api::Save& request, int fd,
                                                std::stop_token stop) {
    const uint64_t id = request.id;
    SF_TRY_ASSIGN(std::shared_ptr<WorkerGuest> guest, worker_.find(id));
    SF_TRY_ASSIGN(const bool was_running, scheduler_.quiesce(guest, kQuiesceTimeout, stop));
    std::shared_ptr<vmm::Guest> vm = scheduler_.vm(*guest);
    if (!vm) return error(ErrorKind::Conflict, "guest {} has ended", id);
    snapshot::Writer writer(fd);
    Result<void> written = [&]() -> Result<void> {
        SF_TRY_ASSIGN(std::vector<uint64_t> pages, vm->touched_pages());
        SF_TRY(writer.pages(vm->memory(), pages, snapshot::PageCheck::Full));
        return write_guest_records(*guest, *vm, writer);
    }();
    if (!written) {
        if (was_running) (void)scheduler_.resume(guest); // a failed save leaves it as it was
        return error(written.error().kind, "save: {}", written.error().message);
    }
    return worker_api::Saved{writer.bytes_written(), writer.pages_written()};
}

// The guest part read from `fd` (positioned at it) and built: paused, or resumed with `start`.
Result<worker_api::Built> WorkerSnapshots::restore(const worker_api::Restore& request, int fd,
                                                   std::stop_token stop) {
    snapshot::Reader reader(fd);
    Incoming in;
    Result<std::shared_ptr<WorkerGuest>> guest = read_guest(request.guest, reader, stop, in);
    if (!guest) return error(guest.error().kind, "restore: {}", guest.error().message);
    if (request.guest.start) SF_TRY(scheduler_.resume(*guest));
    return in.built(reader.bytes_read());
}

worker_api::Built WorkerSnapshots::Incoming::built(uint64_t bytes) const {
    const auto ms = [](uint64_t from, uint64_t to) { return static_cast<double>(to - from) / 1e6; };
    return worker_api::Built{bytes, ms(start_ns, guest_end_ns), ms(guest_end_ns, built_ns), std::nullopt};
}

Result<std::shared_ptr<WorkerGuest>> WorkerSnapshots::read_guest(const worker_api::GuestSpec& spec,
                                                                 snapshot::Reader& reader,
                                                                 std::stop_token stop, Incoming& in) {
    in.start_ns = vmm::host_monotonic_ns();
    if (worker_.find(spec.id)) return error(ErrorKind::Conflict, "guest {} exists", spec.id);
    SF_TRY_ASSIGN(NewGuest fresh, worker_.prepare_guest(spec));
    Result<std::shared_ptr<vmm::Guest>> vm = build_from_stream(spec, fresh, reader, stop, in);
    if (!vm) {
        worker_.abandon(fresh);
        return std::move(vm).error();
    }
    if (Result<void> paused = scheduler_.add_paused(fresh.guest, pending_wake(**vm)); !paused) {
        worker_.abandon(fresh);
        return paused.error();
    }
    SF_TRY(worker_.register_guest(fresh, std::move(*vm)));
    in.built_ns = vmm::host_monotonic_ns();
    return fresh.guest;
}

// Memory records go straight into the image's fresh memory (Reader::next),
// the monitor's records to the loader; Console and Watches are ours. What
// does not depend on the stream is done before reading it: in a migration,
// what follows GuestEnd is downtime.
Result<std::shared_ptr<vmm::Guest>> WorkerSnapshots::build_from_stream(const worker_api::GuestSpec& spec,
                                                                       NewGuest& fresh,
                                                                       snapshot::Reader& reader,
                                                                       std::stop_token stop, Incoming& in) {
    SF_TRY_ASSIGN(auto memory_template, images_.get(spec.image, fresh.config.mem_size));
    SF_TRY_ASSIGN(vmm::GuestMemory memory, memory_template->instantiate(backend_.memory_sharing()));
    SF_TRY_ASSIGN(vmm::Shell shell, pool_.take());
    snapshot::SnapshotLoader loader(memory);
    std::optional<std::string> watches;
    for (;;) {
        if (stop.stop_requested()) return error(ErrorKind::Unavailable, "cancelled");
        const uint64_t records_before = reader.records_read(), bytes_before = reader.bytes_read();
        SF_TRY_ASSIGN(snapshot::Record record, reader.next(&memory));
        SF_TRY_ASSIGN(const bool taken, loader.accept(record));
        if (taken) continue;
        if (record.tag == snapshot::Tag::GuestEnd) {
            SF_TRY(check_guest_end(record, records_before, bytes_before));
            in.guest_end_ns = vmm::host_monotonic_ns();
            break;
        }
        if (record.tag == snapshot::Tag::Console)
            SF_TRY(fresh.guest->restore_console(as_text(record.payload)));
        else if (record.tag == snapshot::Tag::Watches)
            watches.emplace(as_text(record.payload));
        else
            return error("a {} record inside the guest part", snapshot::describe_tag(record.tag));
    }
    SF_TRY_ASSIGN(snapshot::GuestSnapshot state, std::move(loader).finish());
    SF_TRY_ASSIGN(std::shared_ptr<vmm::Guest> vm, vmm::Guest::restore(std::move(shell), std::move(memory),
                                                                      fresh.config, *fresh.guest, state));
    if (watches) SF_TRY(store_links_.restore_watches(fresh.config.id, *watches));
    return vm;
}

} // namespace sf::host
