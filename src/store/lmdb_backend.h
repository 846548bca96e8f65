// superfluid store: LmdbBackend, the durable back-end on LMDB.
//
// One LMDB environment in a directory of its own (data.mdb, lock.mdb); the
// layout of keys and records is in lmdb_record.h. apply() is one write
// transaction committed with LMDB's default durable sync (no MDB_NOSYNC, no
// MDB_NOMETASYNC): it returns only once the changes are on disk, and any
// error aborts the transaction, so nothing of the set is applied.
//
// What apply() refuses (an InvalidArgument error, nothing applied): a Put
// whose parent is absent (except "/"), an Erase of an absent node or of a
// node that still has children. A full map is ResourceExhausted (raise
// LmdbOptions::map_size); a corrupt record is an error naming its path.
//
// Crashes: LMDB's copy-on-write B-tree and its two meta pages make every
// committed transaction survive kill -9 or a power cut; open() clears reader
// slots left by dead processes (mdb_reader_check), so a store killed with
// SIGKILL reopens at once. One LmdbBackend at a time may have a directory
// open (an flock on DIR/sfstore.lock, released by the kernel when its process
// dies): a second open() fails with a Conflict error, so that sfd and a
// stray sfstore never work on the same tree with different in-memory views.
//
// Threading: the environment is opened with MDB_NOTLS, so calls may come
// from any thread, one at a time (the Store serialises them). for_each()'s
// visitor may call read() and children() but not apply().
#pragma once

#include "common/result.h"
#include "store/backend.h"

#include <cstdint>
#include <memory>
#include <string>

namespace sf::store {

struct LmdbOptions {
    size_t map_size = size_t{4} << 30; // the most the database may grow to (address space only)
};

class LmdbBackend final : public Backend {
  public:
    // Opens (creating `dir` and the database if missing) the store in `dir`.
    static Result<std::unique_ptr<LmdbBackend>> open(const std::string& dir, const LmdbOptions& options = {});
    ~LmdbBackend() override;
    LmdbBackend(const LmdbBackend&) = delete;
    LmdbBackend& operator=(const LmdbBackend&) = delete;

    const char* name() const override { return "lmdb"; }
    Result<std::optional<Node>> read(std::string_view path) override;
    Result<std::vector<std::string>> children(std::string_view path) override;
    Result<void> apply(const ChangeSet& changes) override;
    Result<void> for_each(const std::function<void(std::string_view path, const Node& node)>& visit) override;

    const std::string& dir() const;

  private:
    struct Impl;
    explicit LmdbBackend(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace sf::store
