// superfluid toolstack: Host, sfd's objects put together.
#include "host/host.h"

#include "common/meminfo.h"
#include "host/host_recovery.h"

#include <cstdio>

namespace sf::host {

Result<std::unique_ptr<Host>> Host::create(const HostOptions& o) {
    if (o.pool.workers < 1) return error(ErrorKind::InvalidArgument, "at least one worker is needed");
    std::unique_ptr<Host> host(new Host(o));
    SF_TRY_ASSIGN(const uint64_t mem_total, sf::mem_total());
    SF_TRY_ASSIGN(MemoryBudget budget, MemoryBudget::create(mem_total, o.mem_reserve, o.overcommit));
    std::unique_ptr<SnapshotDir> snapshot_dir;
    if (!o.snapshot_dir.empty()) {
        SF_TRY_ASSIGN(snapshot_dir, SnapshotDir::open(o.snapshot_dir));
    }
    SF_TRY_ASSIGN(host->net_, NetService::create(o.net));
    if (o.store) {
        host->records_ = std::make_unique<GuestStore>(*o.store);
        host->gate_ = std::make_unique<GuestStoreGate>(*o.store);
    }
    host->registry_ = std::make_unique<GuestRegistry>(RegistryOptions{
        budget, o.mem_reserve, host->net_.get(), host->records_.get(), o.worker.settings.ring_size});
    host->vms_ = std::make_unique<VmGuests>(VmGuestsOptions{
        o.pool, o.worker, host->registry_.get(), host->net_.get(), host->records_.get(), host->gate_.get()});
    if (!o.containers.monitor_program.empty()) {
        ContainerGuestsOptions containers = o.containers;
        containers.registry = host->registry_.get();
        containers.keep = host->records_ && !o.worker.listen_dir.empty();
        containers.ring_size = o.worker.settings.ring_size;
        host->containers_ = std::make_unique<ContainerGuests>(containers);
    }
    if (host->records_ && !o.worker.listen_dir.empty()) {
        SF_TRY(recover_host(*host->records_, *host->net_, *host->registry_, *host->vms_,
                            host->containers_.get(), o.pool.max_workers));
    }
    if (host->containers_ && o.containers.prepare_cgroups) {
        SF_TRY(host->containers_->start()); // the cgroups checked and prepared at start-up, said in the log
    }
    SF_TRY(host->vms_->start_workers()); // every slot recovery did not fill
    host->guests_ = std::make_unique<Guests>(
        GuestsOptions{host->registry_.get(), host->vms_.get(), host->net_.get(), o.store, o.backend,
                      o.backend_description, o.mem_reserve, o.overcommit, host->containers_.get()});
    host->networks_ = std::make_unique<Networks>(*host->net_, host->records_.get());
    host->moves_ =
        std::make_unique<GuestMoves>(*host->registry_, *host->vms_, *host->net_, host->records_.get());
    host->snapshots_ = std::make_unique<Snapshots>(*host->moves_, std::move(snapshot_dir));
    host->migrations_ = std::make_unique<Migrations>(*host->moves_, o.migration);
    host->transfers_ = std::make_unique<Transfers>(*host->snapshots_, *host->migrations_);
    return host;
}

Host::~Host() {
    shutdown();
}

void Host::shutdown() {
    if (!registry_ || !registry_->shut_down()) return;
    if (vms_) vms_->shutdown(std::chrono::seconds(10));
    if (containers_) containers_->shutdown(std::chrono::seconds(10));
    registry_->end_all_follows();
    registry_->release_all_nics();
    if (records_)
        if (Result<void> cleared = records_->clear(); !cleared)
            std::fprintf(stderr, "sfd: %s\n", cleared.error().message.c_str());
}

} // namespace sf::host
