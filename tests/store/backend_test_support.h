// superfluid store tests: helpers shared by the back-end tests (temporary
// directories, building nodes and change sets).
#pragma once

#include "store/backend.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace sf::store::test {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "sfstore-test-XXXXXX").string();
        if (!mkdtemp(pattern.data())) ADD_FAILURE() << "mkdtemp failed";
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string sub(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

inline Node make_node(std::string value, uint64_t generation = 1, Permissions perms = {{{0, Access::None}}}) {
    return Node{std::move(value), std::move(perms), generation};
}

inline Change put_change(std::string path, std::string value, uint64_t generation = 1) {
    return Change{Change::Kind::Put, std::move(path), make_node(std::move(value), generation)};
}

inline Change erase_change(std::string path) {
    return Change{Change::Kind::Erase, std::move(path), {}};
}

inline ChangeSet set_of(std::initializer_list<Change> changes) {
    return ChangeSet{std::vector<Change>(changes)};
}

} // namespace sf::store::test
