// superfluid toolstack: sfd's records in the store (docs/store-layout.md).
#include "host/guest_store.h"

#include "common/result.h"
#include "store/path.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <functional>

namespace sf::host {
namespace {

using store::Access;
using store::Permissions;
using store::StoreError;
using store::StoreStatus;
using store::TxId;

constexpr const char* kToolPath = "/tool/superfluid";
constexpr int kCommitAttempts = 8;

// A quota refusal is the writer's (a guest's) doing, anything else the store failing.
Error store_failure(std::string_view what, std::string_view path, StoreError e) {
    const char* quota = e == StoreError::TooBig  ? " (a value larger than the guest may write)"
                        : e == StoreError::Quota ? " (more than the guest may own)"
                                                 : nullptr;
    return error(quota ? ErrorKind::ResourceExhausted : ErrorKind::Internal, "store: {}{}{}: {}{}", what,
                 path.empty() ? "" : " ", path, store::errno_name(e), quota ? quota : "");
}

std::optional<uint64_t> parse_u64(std::string_view text) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

// The guest may read the toolstack's entries about it; dom0 owns them.
Permissions readable_by(uint64_t id) {
    Permissions p = Permissions::owned_by(store::kDom0);
    p.entries.push_back({static_cast<store::DomainId>(id), Access::Read});
    return p;
}

// Writes in one transaction; a commit that conflicts is tried again.
class Batch {
  public:
    Batch(store::Store& s, store::ConnectionId c) : store_(s), connection_(c) {}
    void write(std::string path, std::string value) {
        ops_.push_back({Op::Write, std::move(path), std::move(value), {}});
    }
    void mkdir(std::string path) { ops_.push_back({Op::Mkdir, std::move(path), {}, {}}); }
    void rm(std::string path) { ops_.push_back({Op::Rm, std::move(path), {}, {}}); }
    void set_perms(std::string path, Permissions perms) {
        ops_.push_back({Op::Perms, std::move(path), {}, std::move(perms)});
    }

    Result<void> commit() {
        for (int attempt = 0; attempt < kCommitAttempts; ++attempt) {
            store::StoreResult<TxId> tx = store_.transaction_start(connection_);
            if (!tx) return store_failure("transaction", "", tx.error());
            for (const Op& op : ops_) {
                StoreStatus done = apply(*tx, op);
                if (!done && !(op.kind == Op::Rm && done.error() == StoreError::NotFound)) {
                    (void)store_.transaction_end(connection_, *tx, false);
                    return store_failure(op_name(op.kind), op.path, done.error());
                }
            }
            StoreStatus committed = store_.transaction_end(connection_, *tx, true);
            if (committed) return ok();
            if (committed.error() != StoreError::Again) return store_failure("commit", "", committed.error());
        }
        return error(ErrorKind::Unavailable, "store: a transaction conflicted {} times", kCommitAttempts);
    }

  private:
    struct Op {
        enum Kind { Write, Mkdir, Rm, Perms } kind;
        std::string path;
        std::string value;
        Permissions perms;
    };
    static const char* op_name(Op::Kind k) {
        return k == Op::Write   ? "write"
               : k == Op::Mkdir ? "mkdir"
               : k == Op::Rm    ? "rm"
                                : "set permissions of";
    }
    StoreStatus apply(TxId tx, const Op& op) {
        switch (op.kind) {
        case Op::Write: return store_.write(connection_, tx, op.path, op.value);
        case Op::Mkdir: return store_.mkdir(connection_, tx, op.path);
        case Op::Rm: return store_.rm(connection_, tx, op.path);
        case Op::Perms: return store_.set_perms(connection_, tx, op.path, op.perms);
        }
        return StoreError::Invalid;
    }

    store::Store& store_;
    store::ConnectionId connection_;
    std::vector<Op> ops_;
};

void add_state(Batch& batch, const std::string& home, const GuestInfo& info) {
    batch.write(home + "/state", to_string(info.state));
    if (info.exit_status) batch.write(home + "/exit-status", std::to_string(*info.exit_status));
    if (info.reason) batch.write(home + "/reason", *info.reason);
}

} // namespace

std::string guest_path(uint64_t id) {
    return store::domain_path(static_cast<store::DomainId>(id));
}

GuestStore::GuestStore(store::Store& s) : store_(s), connection_(s.connect(store::kDom0, true)) {}

GuestStore::~GuestStore() {
    store_.disconnect(connection_);
}

Result<void> GuestStore::put_guest(const GuestInfo& info, size_t console_ring_bytes,
                                   std::optional<uint32_t> port_key) {
    const std::string home = guest_path(info.id);
    Batch batch(store_, connection_);
    batch.rm(home); // a stale record of an earlier guest with this id
    batch.mkdir(home);
    batch.set_perms(home, readable_by(info.id)); // the entries below inherit it
    batch.write(home + "/name", info.name);
    batch.write(home + "/image", info.image);
    batch.write(home + "/memory", std::to_string(info.mem_size));
    batch.write(home + "/cmdline", info.cmdline);
    batch.write(home + "/worker", std::to_string(info.worker));
    batch.write(home + "/created", info.created_at);
    add_state(batch, home, info);
    if (info.nic) {
        batch.write(home + "/nic/network", info.nic->network);
        batch.write(home + "/nic/mac", info.nic->mac);
        batch.write(home + "/nic/ip", info.nic->ip);
        if (port_key) batch.write(home + "/nic/port", std::to_string(*port_key));
    }
    batch.write(home + "/console/ring-size", std::to_string(console_ring_bytes));
    if (info.kind == "vm") {
        // A VM's own keys (its store hypercalls); a container has no store connection and no data/, and its
        // record says its kind instead: 17 entries at most either way.
        batch.mkdir(home + "/data");
        batch.set_perms(home + "/data", Permissions::owned_by(static_cast<store::DomainId>(info.id)));
    } else {
        batch.write(home + "/kind", info.kind);
    }
    SF_TRY(batch.commit());
    if (StoreStatus s = store_.introduce_domain(connection_, static_cast<store::DomainId>(info.id)); !s)
        return store_failure("introduce domain", home, s.error());
    return ok();
}

Result<void> GuestStore::put_state(const GuestInfo& info) {
    Batch batch(store_, connection_);
    add_state(batch, guest_path(info.id), info);
    return batch.commit();
}

Result<void> GuestStore::remove_guest(uint64_t id) {
    Batch batch(store_, connection_);
    batch.rm(guest_path(id));
    SF_TRY(batch.commit());
    (void)store_.release_domain(connection_, static_cast<store::DomainId>(id));
    return ok();
}

Result<void> GuestStore::clear() {
    SF_TRY_ASSIGN(const std::vector<std::string> ids, list("/local/domain"));
    Batch batch(store_, connection_);
    for (const std::string& name : ids)
        if (parse_u64(name).value_or(0) != 0) batch.rm("/local/domain/" + name);
    batch.rm(fmt::format("{}/workers", kToolPath));
    return batch.commit();
}

Result<std::string> GuestStore::read(const std::string& path) {
    store::StoreResult<std::string> value = store_.read(connection_, 0, path);
    if (!value) return store_failure("read", path, value.error());
    return std::move(*value);
}

Result<std::vector<std::string>> GuestStore::list(const std::string& path) {
    store::StoreResult<std::vector<std::string>> names = store_.directory(connection_, 0, path);
    if (!names && names.error() == StoreError::NotFound) return std::vector<std::string>{};
    if (!names) return store_failure("directory", path, names.error());
    return std::move(*names);
}

Result<StoredGuest> GuestStore::load_guest(uint64_t id) {
    const std::string home = guest_path(id);
    StoredGuest stored;
    GuestInfo& info = stored.info;
    info.id = id;
    SF_TRY_ASSIGN(info.name, read(home + "/name"));
    SF_TRY_ASSIGN(info.image, read(home + "/image"));
    SF_TRY_ASSIGN(info.cmdline, read(home + "/cmdline"));
    SF_TRY_ASSIGN(info.created_at, read(home + "/created"));
    SF_TRY_ASSIGN(const std::string memory, read(home + "/memory"));
    SF_TRY_ASSIGN(const std::string worker, read(home + "/worker"));
    SF_TRY_ASSIGN(const std::string state, read(home + "/state"));
    const std::optional<uint64_t> mem = parse_u64(memory), slot = parse_u64(worker);
    const std::optional<GuestState> parsed_state = parse_guest_state(state);
    if (!mem || !slot || !parsed_state)
        return error("store: {} has a malformed memory, worker or state entry", home);
    info.mem_size = *mem;
    info.worker = static_cast<int>(*slot);
    info.state = *parsed_state;
    if (Result<std::string> status = read(home + "/exit-status"); status) {
        int32_t v = 0;
        std::from_chars(status->data(), status->data() + status->size(), v);
        info.exit_status = v;
    }
    if (Result<std::string> reason = read(home + "/reason"); reason) info.reason = *reason;
    if (Result<std::string> kind = read(home + "/kind"); kind) info.kind = *kind; // absent: "vm"
    if (Result<std::string> network = read(home + "/nic/network"); network) {
        NicInfo nic;
        nic.network = *network;
        SF_TRY_ASSIGN(nic.mac, read(home + "/nic/mac"));
        SF_TRY_ASSIGN(nic.ip, read(home + "/nic/ip"));
        info.nic = nic;
        if (Result<std::string> port = read(home + "/nic/port"); port)
            if (std::optional<uint64_t> key = parse_u64(*port); key && *key <= UINT32_MAX)
                stored.port_key = static_cast<uint32_t>(*key);
    }
    return stored;
}

Result<std::vector<StoredGuest>> GuestStore::guests() {
    SF_TRY_ASSIGN(const std::vector<std::string> ids, list("/local/domain"));
    std::vector<StoredGuest> out;
    for (const std::string& name : ids) {
        const std::optional<uint64_t> id = parse_u64(name);
        if (!id || *id == 0) continue; // dom0's own entries
        Result<StoredGuest> info = load_guest(*id);
        if (!info) {
            std::fprintf(stderr, "sfd: skipping guest %s: %s\n", name.c_str(), info.error().message.c_str());
            continue;
        }
        out.push_back(std::move(*info));
    }
    std::sort(out.begin(), out.end(),
              [](const StoredGuest& a, const StoredGuest& b) { return a.info.id < b.info.id; });
    return out;
}

Result<std::vector<DataEntry>> GuestStore::data(uint64_t id) {
    const std::string base = guest_path(id) + "/data";
    std::vector<DataEntry> out;
    // Depth-first from data/ itself; `relative` is "" for data/.
    std::function<Result<void>(const std::string&)> walk = [&](const std::string& relative) -> Result<void> {
        const std::string path = relative.empty() ? base : base + "/" + relative;
        SF_TRY_ASSIGN(const std::vector<std::string> children, list(path));
        for (const std::string& child : children) {
            const std::string rel = relative.empty() ? child : relative + "/" + child;
            SF_TRY_ASSIGN(std::string value, read(base + "/" + rel));
            if (out.size() >= kDataEntriesMax)
                return error("store: {} has more than {} entries", base, kDataEntriesMax);
            out.push_back({rel, std::move(value)});
            SF_TRY(walk(rel));
        }
        return ok();
    };
    SF_TRY(walk(""));
    return out;
}

Result<void> GuestStore::put_data(uint64_t id, const std::vector<DataEntry>& entries) {
    if (entries.size() > kDataEntriesMax)
        return error(ErrorKind::InvalidArgument, "{} store entries; a guest has at most {}", entries.size(),
                     kDataEntriesMax);
    const std::string base = guest_path(id) + "/data/";
    // Written as the guest, not as dom0: the permissions and quotas (value
    // size, nodes owned) of its own writes hold for what arrives with it.
    const store::ConnectionId as_guest = store_.connect(static_cast<store::DomainId>(id), false);
    Batch batch(store_, as_guest);
    for (const DataEntry& entry : entries) {
        const std::string_view p = entry.path;
        if (p.empty() || p.front() == '/' || p.back() == '/' || p.find("//") != std::string_view::npos) {
            store_.disconnect(as_guest);
            return error(ErrorKind::InvalidArgument, "store entry {:?}: not a relative path", entry.path);
        }
        batch.write(base + entry.path, entry.value);
    }
    Result<void> written = batch.commit();
    store_.disconnect(as_guest);
    if (!written)
        return error(written.error().kind, "the guest's store entries (data/): {}", written.error().message);
    return ok();
}

Result<void> GuestStore::put_network(const StoredNetwork& network) {
    Batch batch(store_, connection_);
    batch.write(fmt::format("{}/networks/{}/subnet", kToolPath, network.name), network.subnet);
    return batch.commit();
}

Result<void> GuestStore::remove_network(const std::string& name) {
    Batch batch(store_, connection_);
    batch.rm(fmt::format("{}/networks/{}", kToolPath, name));
    return batch.commit();
}

Result<std::vector<StoredNetwork>> GuestStore::networks() {
    const std::string base = fmt::format("{}/networks", kToolPath);
    SF_TRY_ASSIGN(const std::vector<std::string> names, list(base));
    std::vector<StoredNetwork> out;
    for (const std::string& name : names) {
        SF_TRY_ASSIGN(std::string subnet, read(fmt::format("{}/{}/subnet", base, name)));
        out.push_back({name, std::move(subnet)});
    }
    return out;
}

Result<void> GuestStore::put_worker(const StoredWorker& worker) {
    const std::string base = fmt::format("{}/workers/{}", kToolPath, worker.slot);
    Batch batch(store_, connection_);
    batch.write(base + "/pid", std::to_string(worker.pid));
    batch.write(base + "/socket", worker.socket);
    return batch.commit();
}

Result<std::vector<StoredWorker>> GuestStore::workers() {
    const std::string base = fmt::format("{}/workers", kToolPath);
    SF_TRY_ASSIGN(const std::vector<std::string> slots, list(base));
    std::vector<StoredWorker> out;
    for (const std::string& slot : slots) {
        const std::optional<uint64_t> index = parse_u64(slot);
        if (!index) continue;
        SF_TRY_ASSIGN(const std::string pid, read(fmt::format("{}/{}/pid", base, slot)));
        SF_TRY_ASSIGN(std::string socket, read(fmt::format("{}/{}/socket", base, slot)));
        const std::optional<uint64_t> parsed_pid = parse_u64(pid);
        out.push_back(
            {static_cast<int>(*index), parsed_pid ? static_cast<pid_t>(*parsed_pid) : -1, std::move(socket)});
    }
    return out;
}

} // namespace sf::host
