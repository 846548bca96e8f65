// superfluid store: LmdbBackend, the durable back-end (see lmdb_backend.h, lmdb_record.h).
#include "store/lmdb_backend.h"

#include "store/lmdb_record.h"
#include "store/lmdb_txn.h"
#include "store/path.h"

#include "common/unique_fd.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>

namespace sf::store {

using namespace lmdb;

struct LmdbBackend::Impl {
    std::string dir;
    MDB_env* env = nullptr;
    MDB_dbi nodes = 0, children = 0, meta = 0;
    HashKey hash_key{};
    MDB_txn* reader = nullptr; // kept reset between calls (ReadTxn)
    UniqueFd owner_lock;       // flock on DIR/sfstore.lock: one opener at a time

    Result<void> lock_dir();
    Result<void> sync_dir() const;
    ~Impl() {
        if (reader) mdb_txn_abort(reader);
        if (env) mdb_env_close(env);
    }

    Result<void> open_env(const LmdbOptions& options);
    Result<void> init_meta(MDB_txn* txn);
    Result<std::optional<StoredNode>> lookup(MDB_txn* txn, std::string_view path) const;
    Result<std::vector<std::string>> list(MDB_txn* txn, uint64_t id) const;
    Result<bool> has_children(MDB_txn* txn, uint64_t id, std::string_view path) const;
    Result<void> put_node(MDB_txn* txn, const Change& change, uint64_t& next_id);
    Result<void> erase_node(MDB_txn* txn, std::string_view path);
};

namespace {

constexpr std::string_view kFormatKey = "format", kNextIdKey = "next_id", kHashKeyKey = "hash_key";
constexpr uint64_t kRootId = 1;

std::string le_bytes(uint64_t v, int width) {
    std::string out;
    for (int i = 0; i < width; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return out;
}

std::optional<uint64_t> from_le(std::string_view bytes, size_t width) {
    if (bytes.size() != width) return std::nullopt;
    uint64_t v = 0;
    for (size_t i = width; i-- > 0;)
        v = (v << 8) | static_cast<uint8_t>(bytes[i]);
    return v;
}

Error invalid(std::string_view what, std::string_view path, std::string_view why) {
    return error(ErrorKind::InvalidArgument, "lmdb: {} {}: {}", what, path, why);
}

} // namespace

// Only one LmdbBackend may have a directory open (the kernel drops the lock when its process dies).
Result<void> LmdbBackend::Impl::lock_dir() {
    std::string path = dir + "/sfstore.lock";
    owner_lock = UniqueFd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!owner_lock.valid()) return error("lmdb: cannot open {}: {}", path, strerror(errno));
    if (::flock(owner_lock.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) return error(ErrorKind::Conflict, "lmdb: {} is open in another store", dir);
        return error("lmdb: cannot lock {}: {}", path, strerror(errno));
    }
    return ok();
}

Result<void> LmdbBackend::Impl::open_env(const LmdbOptions& options) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return error("lmdb: cannot create {}: {}", dir, ec.message());
    SF_TRY(lock_dir());
    if (int rc = mdb_env_create(&env); rc != 0) return mdb_error(rc, "create environment");
    if (int rc = mdb_env_set_maxdbs(env, 3); rc != 0) return mdb_error(rc, "set max dbs");
    if (int rc = mdb_env_set_mapsize(env, options.map_size); rc != 0) return mdb_error(rc, "set map size");
    if (int rc = mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0600); rc != 0) return mdb_error(rc, "open", dir);
    if (mdb_env_get_maxkeysize(env) < static_cast<int>(kMaxKey)) {
        return error("lmdb: this liblmdb's key limit is {} bytes, the layout needs {}",
                     mdb_env_get_maxkeysize(env), kMaxKey);
    }
    int dead = 0;
    if (int rc = mdb_reader_check(env, &dead); rc != 0) return mdb_error(rc, "clear stale readers", dir);
    SF_TRY_ASSIGN(Txn txn, Txn::begin(env, 0));
    for (auto [name, dbi] : {std::pair{"nodes", &nodes}, {"children", &children}, {"meta", &meta}}) {
        if (int rc = mdb_dbi_open(txn.get(), name, MDB_CREATE, dbi); rc != 0)
            return mdb_error(rc, "open db", name);
    }
    SF_TRY(init_meta(txn.get()));
    SF_TRY(txn.commit());
    return sync_dir();
}

// Makes the directory entries of data.mdb and lock.mdb durable (LMDB syncs only the files).
Result<void> LmdbBackend::Impl::sync_dir() const {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid() || ::fsync(fd.get()) != 0) return error("lmdb: cannot sync {}: {}", dir, strerror(errno));
    return ok();
}

// Checks the layout's version and loads the hash key; writes both into a new database.
Result<void> LmdbBackend::Impl::init_meta(MDB_txn* txn) {
    SF_TRY_ASSIGN(auto format, get(txn, meta, kFormatKey));
    if (!format) {
        if (getrandom(hash_key.data(), hash_key.size(), 0) != static_cast<ssize_t>(hash_key.size())) {
            return error("lmdb: getrandom: {}", strerror(errno));
        }
        SF_TRY(put(txn, meta, kFormatKey, le_bytes(kFormatVersion, 4), "meta"));
        SF_TRY(put(txn, meta, kNextIdKey, le_bytes(kRootId, 8), "meta"));
        return put(txn, meta, kHashKeyKey,
                   std::string_view(reinterpret_cast<const char*>(hash_key.data()), hash_key.size()), "meta");
    }
    if (from_le(*format, 4) != kFormatVersion) {
        return error("lmdb: {} holds a database of another format (this build reads format {})", dir,
                     kFormatVersion);
    }
    SF_TRY_ASSIGN(auto key, get(txn, meta, kHashKeyKey));
    if (!key || key->size() != hash_key.size()) return error("lmdb: {}: corrupt meta record hash_key", dir);
    std::memcpy(hash_key.data(), key->data(), hash_key.size());
    return ok();
}

Result<std::optional<StoredNode>> LmdbBackend::Impl::lookup(MDB_txn* txn, std::string_view path) const {
    SF_TRY_ASSIGN(auto bytes, get(txn, nodes, node_key(hash_key, path)));
    if (!bytes) return std::optional<StoredNode>{};
    SF_TRY_ASSIGN(StoredNode stored, decode_record(*bytes, path));
    if (node_key_is_hashed(path) && !stored.path_in_record)
        return error("lmdb: corrupt record for {}: no path", path);
    return std::optional<StoredNode>{std::move(stored)};
}

// The names of node `id`'s children, sorted.
Result<std::vector<std::string>> LmdbBackend::Impl::list(MDB_txn* txn, uint64_t id) const {
    SF_TRY_ASSIGN(Cursor cursor, Cursor::open(txn, children));
    std::string prefix = children_prefix(id);
    std::vector<std::string> names;
    MDB_val k = as_val(prefix), v{};
    int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_RANGE);
    for (; rc == 0; rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
        std::string_view key = as_view(k);
        if (!key.starts_with(prefix)) break;
        names.emplace_back(v.mv_size ? as_view(v) : key.substr(prefix.size()));
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return mdb_error(rc, "list children");
    std::sort(names.begin(), names.end()); // cut keys of long names may be out of order
    return names;
}

Result<bool> LmdbBackend::Impl::has_children(MDB_txn* txn, uint64_t id, std::string_view path) const {
    SF_TRY_ASSIGN(Cursor cursor, Cursor::open(txn, children));
    std::string prefix = children_prefix(id);
    MDB_val k = as_val(prefix), v{};
    int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) return mdb_error(rc, "list children of", path);
    return as_view(k).starts_with(prefix);
}

Result<void> LmdbBackend::Impl::put_node(MDB_txn* txn, const Change& change, uint64_t& next_id) {
    const std::string& path = change.path;
    SF_TRY_ASSIGN(auto existing, lookup(txn, path));
    StoredNode stored{.id = 0, .node = change.node, .path_in_record = node_key_is_hashed(path), .path = {}};
    if (stored.path_in_record) stored.path = path;
    if (existing) {
        stored.id = existing->id;
    } else {
        stored.id = next_id++;
        if (path != "/") {
            std::string_view parent_path = parent_of(path);
            SF_TRY_ASSIGN(auto parent, lookup(txn, parent_path));
            if (!parent) return invalid("put", path, fmt::format("its parent {} is absent", parent_path));
            std::string_view name = basename_of(path);
            SF_TRY(put(txn, children, child_key(hash_key, parent->id, name),
                       child_key_is_cut(name) ? name : "", path));
        }
    }
    return put(txn, nodes, node_key(hash_key, path), encode_record(stored), path);
}

Result<void> LmdbBackend::Impl::erase_node(MDB_txn* txn, std::string_view path) {
    SF_TRY_ASSIGN(auto existing, lookup(txn, path));
    if (!existing) return invalid("erase", path, "no such node");
    SF_TRY_ASSIGN(bool busy, has_children(txn, existing->id, path));
    if (busy) return invalid("erase", path, "it still has children");
    if (path != "/") {
        SF_TRY_ASSIGN(auto parent, lookup(txn, parent_of(path)));
        if (!parent) return error("lmdb: erase {}: its parent's record is missing", path);
        SF_TRY(del(txn, children, child_key(hash_key, parent->id, basename_of(path)), path));
    }
    return del(txn, nodes, node_key(hash_key, path), path);
}

LmdbBackend::LmdbBackend(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LmdbBackend::~LmdbBackend() = default;

Result<std::unique_ptr<LmdbBackend>> LmdbBackend::open(const std::string& dir, const LmdbOptions& options) {
    if (dir.empty()) return error(ErrorKind::InvalidArgument, "lmdb: no data directory given");
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    SF_TRY(impl->open_env(options));
    return std::unique_ptr<LmdbBackend>(new LmdbBackend(std::move(impl)));
}

const std::string& LmdbBackend::dir() const {
    return impl_->dir;
}

Result<std::optional<Node>> LmdbBackend::read(std::string_view path) {
    SF_TRY_ASSIGN(ReadTxn txn, ReadTxn::renew(impl_->env, impl_->reader));
    SF_TRY_ASSIGN(auto stored, impl_->lookup(txn.get(), path));
    if (!stored) return std::optional<Node>{};
    return std::optional<Node>{std::move(stored->node)};
}

Result<std::vector<std::string>> LmdbBackend::children(std::string_view path) {
    SF_TRY_ASSIGN(ReadTxn txn, ReadTxn::renew(impl_->env, impl_->reader));
    SF_TRY_ASSIGN(auto stored, impl_->lookup(txn.get(), path));
    if (!stored) return std::vector<std::string>{};
    return impl_->list(txn.get(), stored->id);
}

Result<void> LmdbBackend::apply(const ChangeSet& changes) {
    SF_TRY_ASSIGN(Txn txn, Txn::begin(impl_->env, 0));
    SF_TRY_ASSIGN(auto id_bytes, get(txn.get(), impl_->meta, kNextIdKey));
    std::optional<uint64_t> first_id = id_bytes ? from_le(*id_bytes, 8) : std::nullopt;
    if (!first_id) return error("lmdb: {}: corrupt meta record next_id", impl_->dir);
    uint64_t next_id = *first_id;
    for (const Change& change : changes.changes) {
        if (change.kind == Change::Kind::Put) {
            SF_TRY(impl_->put_node(txn.get(), change, next_id));
        } else {
            SF_TRY(impl_->erase_node(txn.get(), change.path));
        }
    }
    if (next_id != *first_id) SF_TRY(put(txn.get(), impl_->meta, kNextIdKey, le_bytes(next_id, 8), "meta"));
    return txn.commit();
}

// Breadth-first from "/": every parent is visited before its children.
Result<void>
LmdbBackend::for_each(const std::function<void(std::string_view path, const Node& node)>& visit) {
    SF_TRY_ASSIGN(Txn txn, Txn::begin(impl_->env, MDB_RDONLY));
    SF_TRY_ASSIGN(auto root, impl_->lookup(txn.get(), "/"));
    if (!root) return ok();
    visit("/", root->node);
    std::deque<std::pair<std::string, uint64_t>> pending{{"/", root->id}};
    while (!pending.empty()) {
        auto [path, id] = std::move(pending.front());
        pending.pop_front();
        SF_TRY_ASSIGN(auto names, impl_->list(txn.get(), id));
        for (const std::string& name : names) {
            std::string child = child_path(path, name);
            SF_TRY_ASSIGN(auto stored, impl_->lookup(txn.get(), child));
            if (!stored) return error("lmdb: {} is listed as a child but has no record", child);
            visit(child, stored->node);
            pending.emplace_back(std::move(child), stored->id);
        }
    }
    return ok();
}

} // namespace sf::store
