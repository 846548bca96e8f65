// superfluid store: LMDB transactions and cursors for LmdbBackend (see lmdb_txn.h).
#include "store/lmdb_txn.h"

namespace sf::store::lmdb {

Error mdb_error(int rc, std::string_view what, std::string_view path) {
    std::string where = path.empty() ? std::string(what) : fmt::format("{} {}", what, path);
    if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL) {
        return error(ErrorKind::ResourceExhausted, "lmdb: {}: {} (raise the map size)", where,
                     mdb_strerror(rc));
    }
    return error("lmdb: {}: {}", where, mdb_strerror(rc));
}

Result<Txn> Txn::begin(MDB_env* env, unsigned flags) {
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env, nullptr, flags, &txn); rc != 0) return mdb_error(rc, "begin transaction");
    return Txn(txn);
}

Result<void> Txn::commit() {
    int rc = mdb_txn_commit(std::exchange(txn_, nullptr)); // frees the transaction either way
    if (rc != 0) return mdb_error(rc, "commit");
    return ok();
}

Result<ReadTxn> ReadTxn::renew(MDB_env* env, MDB_txn*& slot) {
    if (slot) {
        if (int rc = mdb_txn_renew(slot); rc != 0) return mdb_error(rc, "renew read transaction");
        return ReadTxn(slot);
    }
    if (int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &slot); rc != 0) {
        slot = nullptr;
        return mdb_error(rc, "begin read transaction");
    }
    return ReadTxn(slot);
}

Result<Cursor> Cursor::open(MDB_txn* txn, MDB_dbi dbi) {
    MDB_cursor* cursor = nullptr;
    if (int rc = mdb_cursor_open(txn, dbi, &cursor); rc != 0) return mdb_error(rc, "open cursor");
    return Cursor(cursor);
}

Result<std::optional<std::string_view>> get(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
    MDB_val k = as_val(key), v{};
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<std::string_view>{};
    if (rc != 0) return mdb_error(rc, "get");
    return std::optional<std::string_view>{as_view(v)};
}

Result<void> put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                 std::string_view path) {
    MDB_val k = as_val(key), v = as_val(value);
    if (int rc = mdb_put(txn, dbi, &k, &v, 0); rc != 0) return mdb_error(rc, "put", path);
    return ok();
}

Result<void> del(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view path) {
    MDB_val k = as_val(key);
    if (int rc = mdb_del(txn, dbi, &k, nullptr); rc != 0) return mdb_error(rc, "delete", path);
    return ok();
}

} // namespace sf::store::lmdb
