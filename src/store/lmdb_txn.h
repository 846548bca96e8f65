// superfluid store: RAII wrappers of LMDB transactions and cursors for LmdbBackend.
//
// A Txn aborts on destruction unless commit() ran; ReadTxn renews a reader
// kept between calls (MDB_NOTLS lets any thread renew it) and resets it on
// destruction. Errors name the operation and, where there is one, the path.
#pragma once

#include "common/result.h"

#include <lmdb.h>

#include <optional>
#include <string_view>
#include <utility>

namespace sf::store::lmdb {

// An Error from an LMDB return code: map or transaction full is ResourceExhausted.
Error mdb_error(int rc, std::string_view what, std::string_view path = {});

inline MDB_val as_val(std::string_view s) {
    return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view as_view(const MDB_val& v) {
    return {static_cast<const char*>(v.mv_data), v.mv_size};
}

class Txn {
  public:
    static Result<Txn> begin(MDB_env* env, unsigned flags);
    Txn(Txn&& other) noexcept : txn_(std::exchange(other.txn_, nullptr)) {}
    Txn& operator=(Txn&&) = delete;
    ~Txn() {
        if (txn_) mdb_txn_abort(txn_);
    }
    MDB_txn* get() const { return txn_; }
    Result<void> commit();

  private:
    explicit Txn(MDB_txn* txn) : txn_(txn) {}
    MDB_txn* txn_;
};

// Borrows a long-lived read-only transaction for the length of one call.
class ReadTxn {
  public:
    // `slot` holds the reader between calls (nullptr before the first).
    static Result<ReadTxn> renew(MDB_env* env, MDB_txn*& slot);
    ReadTxn(ReadTxn&& other) noexcept : txn_(std::exchange(other.txn_, nullptr)) {}
    ReadTxn& operator=(ReadTxn&&) = delete;
    ~ReadTxn() {
        if (txn_) mdb_txn_reset(txn_);
    }
    MDB_txn* get() const { return txn_; }

  private:
    explicit ReadTxn(MDB_txn* txn) : txn_(txn) {}
    MDB_txn* txn_;
};

class Cursor {
  public:
    static Result<Cursor> open(MDB_txn* txn, MDB_dbi dbi);
    Cursor(Cursor&& other) noexcept : cursor_(std::exchange(other.cursor_, nullptr)) {}
    Cursor& operator=(Cursor&&) = delete;
    ~Cursor() {
        if (cursor_) mdb_cursor_close(cursor_);
    }
    MDB_cursor* get() const { return cursor_; }

  private:
    explicit Cursor(MDB_cursor* cursor) : cursor_(cursor) {}
    MDB_cursor* cursor_;
};

// The value under `key`, nullopt when absent; valid until the transaction ends or writes.
Result<std::optional<std::string_view>> get(MDB_txn* txn, MDB_dbi dbi, std::string_view key);
Result<void> put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                 std::string_view path);
Result<void> del(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view path);

} // namespace sf::store::lmdb
