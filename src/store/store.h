// superfluid store: Store, a XenStore with pluggable back-ends.
//
// XenStore's semantics over a Backend: a tree of nodes addressed by paths,
// each with a value and Permissions; read, write (creates missing parents,
// which inherit the parent's permissions), mkdir, rm (recursive), directory,
// get/set permissions, watches with tokens, optimistic transactions, quotas
// per domain, relative paths resolved under /local/domain/<domid>.
//
// Callers are connections: connect() registers one for a domain (privileged
// for dom0 / the toolstack: every permission check passes, no quota applies)
// with a WatchSink that receives its watch events. The wire server opens one
// per socket client; sfd one per guest for the guest's store hypercalls.
//
// Watches: watch(path, token) fires once at once (path = the watched path),
// then on every change at or below the path: write, mkdir, rm, set_perms.
// rm of an ancestor fires watches below it with their own path. An event is
// sent only to a connection whose domain may read the changed node (its
// permissions before an rm). "@introduceDomain" / "@releaseDomain" fire on
// introduce_domain() / release_domain().
//
// Transactions: transaction_start() gives an id; operations with that id see
// the transaction's own changes and nothing committed after it read a node.
// transaction_end(commit) applies every change at once, or fails with Again
// and changes nothing if any node the transaction read or wrote (including a
// directory's set of children) changed since. Its watch events fire at commit.
// A connection's open transactions are aborted by disconnect().
//
// Quotas (StoreOptions, per unprivileged domain): nodes owned, value size,
// watches, open transactions; going over fails with Quota (TooBig for a value).
//
// Choices, following C xenstored 4.17 where it decides:
// - Access: an unprivileged caller needs read access to read, list or get
//   permissions, and write access on the node to write, mkdir or rm it (on its
//   nearest existing ancestor when it is absent). An absent node is NotFound
//   when the caller may read (for reads) or write (for changes) its nearest
//   existing ancestor, Access otherwise: no leak of what exists where one may
//   not look.
// - A created node (and each created parent) copies its parent's permissions;
//   when the creator is unprivileged its domain becomes the owner (entry 0).
// - mkdir of an existing node succeeds and changes nothing (no event).
// - rm of "/" is Invalid; rm of an absent node succeeds when its parent
//   exists, and is NotFound when the parent is absent too.
// - set_perms: only the owner or a privileged caller (Access otherwise); an
//   unprivileged owner may not name another owner (Perm). Its event reaches
//   domains that could read the node before or after.
// - A watch registered with a relative path gets event paths relative to
//   the domain's home ("data/page"), as xenstored sends them.
// - A transaction id that is not open on the calling connection is NotFound;
//   a transaction ends with transaction_end whatever its outcome (Again, Io).
// - An unknown ConnectionId is Invalid.
//
// Threading: every method may be called from any thread; one mutex
// serialises them. WatchSink::deliver runs after that mutex is released, on
// the thread whose call caused the event, and must not call back into Store.
#pragma once

#include "common/result.h"
#include "store/backend.h"
#include "store/errors.h"
#include "store/permissions.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sf::store {

using ConnectionId = uint64_t;
using TxId = uint32_t; // 0: no transaction

// A guest's watches (one connection each): also the most a Watches record
// may bring with a restored or migrated guest (host/worker/store_link.h).
inline constexpr size_t kWatchesPerConnection = 128;

struct Quotas {
    size_t nodes_per_domain = 1000; // nodes a domain may own
    size_t value_bytes = 2048;      // one value
    size_t watches_per_connection = kWatchesPerConnection;
    size_t transactions_per_connection = 10;
};

struct StoreOptions {
    Quotas quotas;
};

struct WatchEvent {
    std::string path;  // the changed path (or the watched one, when a watch is set)
    std::string token; // the watch's token
};

class WatchSink {
  public:
    virtual ~WatchSink() = default;
    virtual void deliver(ConnectionId connection, const WatchEvent& event) = 0;
};

struct StoreStats {
    uint64_t nodes = 0;
    uint64_t connections = 0;
    uint64_t watches = 0;
    uint64_t transactions = 0; // open
    uint64_t commits = 0;
    uint64_t conflicts = 0; // commits refused with Again
};

class Store {
  public:
    // Opens the store on `backend`: creates "/", "/local", "/local/domain" and
    // "/tool" when absent (owned by dom0), and counts each domain's nodes.
    static Result<std::unique_ptr<Store>> create(std::unique_ptr<Backend> backend,
                                                 const StoreOptions& options = {});
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    ConnectionId connect(DomainId domid, bool privileged, std::shared_ptr<WatchSink> sink = nullptr);
    // Aborts the connection's transactions and removes its watches. Idempotent.
    void disconnect(ConnectionId connection);

    StoreResult<std::string> read(ConnectionId c, TxId tx, std::string_view path);
    StoreStatus write(ConnectionId c, TxId tx, std::string_view path, std::string_view value);
    StoreStatus mkdir(ConnectionId c, TxId tx, std::string_view path);
    StoreStatus rm(ConnectionId c, TxId tx, std::string_view path);
    StoreResult<std::vector<std::string>> directory(ConnectionId c, TxId tx, std::string_view path);
    StoreResult<Permissions> get_perms(ConnectionId c, TxId tx, std::string_view path);
    StoreStatus set_perms(ConnectionId c, TxId tx, std::string_view path, const Permissions& perms);

    StoreResult<TxId> transaction_start(ConnectionId c);
    StoreStatus transaction_end(ConnectionId c, TxId tx, bool commit);

    StoreStatus watch(ConnectionId c, std::string_view path, std::string_view token);
    StoreStatus unwatch(ConnectionId c, std::string_view path, std::string_view token);
    StoreStatus reset_watches(ConnectionId c);

    // Privileged callers only (Perm otherwise). introduce fires @introduceDomain,
    // release fires @releaseDomain; neither touches the tree (the toolstack does).
    StoreStatus introduce_domain(ConnectionId c, DomainId domid);
    StoreStatus release_domain(ConnectionId c, DomainId domid);
    StoreResult<bool> is_domain_introduced(ConnectionId c, DomainId domid);

    StoreStats stats() const;
    const char* backend_name() const;

  private:
    struct Impl;
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace sf::store
