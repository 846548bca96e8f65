// superfluid toolstack: GuestStore, sfd's records in the store.
//
// Every guest's state lives under /local/domain/<id>/ (id = the guest's id,
// which is also its store domain id), at most 17 entries a guest; networks
// and worker processes under /tool/superfluid/. docs/store-layout.md lists
// every entry. With a durable back-end a restarted sfd rebuilds its view
// from these records (host_recovery.h).
//
// Permissions: /local/domain/<id> and the toolstack's entries below it are
// owned by dom0 and readable by the guest; /local/domain/<id>/data is owned by
// the guest (its own keys, within its quota).
//
// Threading: any thread; the Store serialises the calls.
#pragma once

#include "common/result.h"
#include "host/guest_service.h"
#include "store/store.h"

#include <sys/types.h>

#include <string>
#include <vector>

namespace sf::host {

struct StoredNetwork {
    std::string name;
    std::string subnet;
};

struct StoredGuest {
    GuestInfo info;
    std::optional<uint32_t> port_key; // its NIC's switch port key
};

// One node of a guest's own subtree (data/), relative to it: "page", "a/b".
struct DataEntry {
    std::string path;
    std::string value;
};

struct StoredWorker {
    int slot = -1;
    pid_t pid = -1;
    std::string socket; // where it accepts a restarted sfd
};

class GuestStore {
  public:
    // Opens a privileged (dom0) connection to `store`, which must outlive this.
    explicit GuestStore(store::Store& store);
    ~GuestStore();
    GuestStore(const GuestStore&) = delete;
    GuestStore& operator=(const GuestStore&) = delete;

    // Writes a new guest's whole record in one transaction and introduces its domain.
    Result<void> put_guest(const GuestInfo& info, size_t console_ring_bytes,
                           std::optional<uint32_t> port_key);
    // Records a guest's state (and exit status or crash reason).
    Result<void> put_state(const GuestInfo& info);
    // Removes the guest's subtree (its own data/ too) and releases its domain.
    Result<void> remove_guest(uint64_t id);
    // Removes every guest's record and the workers' (sfd stopped them all), in one transaction.
    Result<void> clear();
    // Every guest recorded, in id order; records that do not parse are reported and skipped.
    Result<std::vector<StoredGuest>> guests();

    // The guest's own subtree data/ in pre-order (a parent before its
    // children), for a snapshot or a migration. At most kDataEntriesMax entries.
    Result<std::vector<DataEntry>> data(uint64_t id);
    // Writes `entries` under the guest's data/ in one transaction, as the
    // guest itself (its domain, unprivileged): the store's permissions and
    // quotas hold as for the guest's own writes, and the nodes are its own.
    // InvalidArgument for a path that is absolute, empty or has an empty
    // component; ResourceExhausted past a quota (nothing is written).
    Result<void> put_data(uint64_t id, const std::vector<DataEntry>& entries);
    static constexpr size_t kDataEntriesMax = 1000; // the store's nodes-per-domain quota

    Result<void> put_network(const StoredNetwork& network);
    Result<void> remove_network(const std::string& name);
    Result<std::vector<StoredNetwork>> networks();

    Result<void> put_worker(const StoredWorker& worker);
    Result<std::vector<StoredWorker>> workers();

    store::Store& store() { return store_; }

  private:
    Result<std::string> read(const std::string& path);
    Result<std::vector<std::string>> list(const std::string& path);
    Result<StoredGuest> load_guest(uint64_t id);

    store::Store& store_;
    const store::ConnectionId connection_;
};

// "/local/domain/<id>"
std::string guest_path(uint64_t id);

} // namespace sf::host
