// superfluid toolstack: Snapshots, saving a guest to a snapshot file and
// restoring one (docs/migration.md, "Save and restore"; the layout:
// docs/snapshot-format.md), over GuestMoves.
//
// Threading: every method from any thread.
#pragma once

#include "host/guest_moves.h"
#include "host/guest_service.h"
#include "host/snapshot_dir.h"

#include <memory>

namespace sf::host {

class Snapshots {
  public:
    // `dir` null: save and restore are refused (no --snapshot-dir).
    Snapshots(GuestMoves& moves, std::unique_ptr<SnapshotDir> dir) : moves_(moves), dir_(std::move(dir)) {}

    Result<SaveResult> save(const std::string& ref, const SaveRequest& request);
    Result<GuestInfo> restore(const RestoreRequest& request);

  private:
    Result<const SnapshotDir*> dir() const;
    // `paused`: set once the worker has paused the guest (its save succeeded;
    // a failed worker operation resumes the guest itself).
    Result<SaveResult> write(const GuestMoves::Departing& departing, const std::string& name, bool& paused);

    GuestMoves& moves_;
    const std::unique_ptr<SnapshotDir> dir_;
};

} // namespace sf::host
