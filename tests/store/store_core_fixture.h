// Test support for store.core: a Store over MemBackend, a dom0 connection,
// and a WatchSink that records what it is given.
#pragma once

#include "store/mem_backend.h"
#include "store/store.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sf::store::test {

class RecordingSink final : public WatchSink {
  public:
    void deliver(ConnectionId connection, const WatchEvent& event) override {
        std::lock_guard lock(mutex_);
        events_.emplace_back(connection, event);
    }
    // Takes the events delivered so far, as "path token" strings, for `connection`.
    std::vector<std::string> take(ConnectionId connection) {
        std::lock_guard lock(mutex_);
        std::vector<std::string> taken;
        std::vector<std::pair<ConnectionId, WatchEvent>> kept;
        for (auto& [to, event] : events_) {
            if (to == connection) {
                taken.push_back(event.path + " " + event.token);
            } else {
                kept.emplace_back(to, std::move(event));
            }
        }
        events_ = std::move(kept);
        return taken;
    }

  private:
    std::mutex mutex_;
    std::vector<std::pair<ConnectionId, WatchEvent>> events_;
};

class StoreTest : public ::testing::Test {
  protected:
    void SetUp() override { open({}); }

    void open(const StoreOptions& options) {
        auto created = Store::create(MemBackend::create(), options);
        ASSERT_TRUE(created.ok()) << created.error().message;
        store = std::move(*created);
        dom0 = store->connect(kDom0, true, sink);
    }

    ConnectionId guest(DomainId domid) { return store->connect(domid, false, sink); }

    // dom0 creates /local/domain/<domid> owned by the domain (as the toolstack does).
    void give_home(DomainId domid) {
        std::string home = "/local/domain/" + std::to_string(domid);
        ASSERT_TRUE(store->mkdir(dom0, 0, home).ok());
        ASSERT_TRUE(store->set_perms(dom0, 0, home, Permissions::owned_by(domid)).ok());
    }

    void write_ok(ConnectionId c, const std::string& path, const std::string& value) {
        auto written = store->write(c, 0, path, value);
        ASSERT_TRUE(written.ok()) << path << ": " << errno_name(written.error());
    }

    std::string read_ok(ConnectionId c, const std::string& path) {
        auto value = store->read(c, 0, path);
        EXPECT_TRUE(value.ok()) << path << ": " << errno_name(value.error());
        return value.ok() ? *value : std::string("<error>");
    }

    static Permissions perms(std::string_view wire) {
        auto parsed = Permissions::parse(wire);
        EXPECT_TRUE(parsed.has_value()) << wire;
        return parsed.value_or(Permissions{});
    }

    std::shared_ptr<RecordingSink> sink = std::make_shared<RecordingSink>();
    std::unique_ptr<Store> store;
    ConnectionId dom0 = 0;
};

#define EXPECT_STORE_ERROR(expr, err)                                                                        \
    do {                                                                                                     \
        auto sf_result_ = (expr);                                                                            \
        ASSERT_FALSE(sf_result_.ok()) << #expr << " succeeded";                                              \
        EXPECT_EQ(errno_name(sf_result_.error()), std::string(errno_name(err))) << #expr;                    \
    } while (0)

} // namespace sf::store::test
