// superfluid toolstack: SnapshotDir, the one directory sfd saves guests to
// and restores them from (--snapshot-dir). A request names a file in it; sfd
// never opens a snapshot anywhere else.
//
// Contracts:
// - A name is one path component: letters, digits, '.', '_', '-', at most
//   kMaxName bytes, not starting with '.' (so no "..", no hidden files, no
//   ".partial" clash); or the directory's own path followed by '/' and such a
//   name (what `sfctl save web /var/lib/superfluid/snapshots/web.snap` sends).
//   Anything else is InvalidArgument, and nothing is opened.
// - Every open is openat() on the directory's descriptor with O_NOFOLLOW: a
//   symlink planted in the directory is refused, never followed. A file to
//   read must be a regular file (a FIFO or device is refused without
//   blocking).
// - A save writes NAME.partial (a new file, mode 0600: whatever had that
//   name is unlinked first, never written through) and
//   commit() renames it over NAME and syncs the directory: NAME is never
//   half written; discard() removes the partial file.
// - Threading: the descriptor is immutable; calls may run on many threads
//   (two saves to one name race like two renames: the later one wins).
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <memory>
#include <string>
#include <string_view>

namespace sf::host {

class SnapshotDir {
  public:
    static constexpr size_t kMaxName = 128;

    // Opens `path`, an existing directory (made absolute).
    static Result<std::unique_ptr<SnapshotDir>> open(const std::string& path);

    // The file name a request's "file" stands for (see above).
    Result<std::string> name_of(std::string_view file) const;
    // NAME.partial, for writing.
    Result<UniqueFd> create_partial(const std::string& name) const;
    // Renames NAME.partial over NAME; syncs the directory.
    Result<void> commit(const std::string& name) const;
    void discard(const std::string& name) const;
    // NAME, for reading: a regular file, not a symlink.
    Result<UniqueFd> open_existing(const std::string& name) const;

    const std::string& path() const { return path_; }

  private:
    SnapshotDir(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

    std::string path_;
    UniqueFd fd_;
};

} // namespace sf::host
