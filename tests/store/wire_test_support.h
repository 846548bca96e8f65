// superfluid tests: helpers for the store's wire tests (payload literals, a Store on MemBackend).
#pragma once

#include "store/mem_backend.h"
#include "store/store.h"
#include "store/wire.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sf::store::test {

// A string with embedded NULs: nul("a", "b") == "a\0b\0".
template <typename... Parts> std::string nul(const Parts&... parts) {
    std::string out;
    ((out += parts, out += '\0'), ...);
    return out;
}

inline std::unique_ptr<Store> make_store() {
    auto store = Store::create(MemBackend::create());
    if (!store) {
        ADD_FAILURE() << store.error().message;
        std::abort();
    }
    return std::move(*store);
}

// A WatchSink that records what it is given.
class RecordingSink final : public WatchSink {
  public:
    void deliver(ConnectionId connection, const WatchEvent& event) override {
        std::lock_guard lock(mutex_);
        events_.push_back({connection, event});
    }
    std::vector<std::pair<ConnectionId, WatchEvent>> take() {
        std::lock_guard lock(mutex_);
        return std::exchange(events_, {});
    }

  private:
    std::mutex mutex_;
    std::vector<std::pair<ConnectionId, WatchEvent>> events_;
};

// Parses exactly one message out of `bytes`.
inline wire::Message parse_one(const std::string& bytes) {
    wire::Parser parser;
    parser.feed(bytes);
    wire::MessageView view;
    EXPECT_EQ(parser.next(view), wire::Parser::Status::Message);
    wire::Message message{view.header, std::string(view.payload)};
    EXPECT_EQ(parser.pending(), 0u) << "more than one message";
    EXPECT_EQ(message.header.len, message.payload.size());
    return message;
}

// A unique temporary directory, removed with its contents at destruction.
class TempDir {
  public:
    TempDir() {
        std::string pattern = "/tmp/sfstore-test-XXXXXX";
        path_ = ::mkdtemp(pattern.data()) ? pattern : "";
        EXPECT_FALSE(path_.empty());
    }
    ~TempDir() {
        if (!path_.empty()) [[maybe_unused]]
            int rc = std::system(("rm -rf '" + path_ + "'").c_str());
    }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

} // namespace sf::store::test
