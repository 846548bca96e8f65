// Tests: FakeGuestKind, a GuestKind that builds nothing. It places guests
// on `where` slots round-robin, counts what it was asked, and can be told
// to fail the next create or place, so that the registry and the services
// over it are tested without a worker.
#pragma once

#include "host/guest_kind.h"

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace sf::test {

class FakeGuestKind final : public host::GuestKind {
  public:
    std::string_view name() const override { return kind_name; }
    Result<void> check(const host::CreateRequest&) override {
        if (fail_check) return error(ErrorKind::InvalidArgument, "fake: a bad request");
        return ok();
    }
    // A VM's image and command line; a container's directory and its arguments joined.
    std::pair<std::string, std::string> describe(const host::CreateRequest& request) const override {
        if (!request.image.empty()) return {request.image, request.cmdline};
        std::string args;
        for (const std::string& a : request.args)
            args += (args.empty() ? "" : " ") + a;
        return {request.bundle.empty() ? request.rootfs : request.bundle, args};
    }
    Result<int> place() override {
        std::lock_guard lock(mutex_);
        if (fail_place) return error(ErrorKind::ResourceExhausted, "fake: no room");
        const int where = next_where_++ % slots;
        ++placed[where];
        return where;
    }
    void release(const host::GuestRef& guest, bool held) override {
        std::lock_guard lock(mutex_);
        if (held) --placed[guest.where];
        released.push_back(guest.id);
    }
    void bind_nic(uint32_t port_key, int where) override {
        std::lock_guard lock(mutex_);
        bound[port_key] = where;
    }
    Result<void> create(const host::GuestLaunch& launch) override {
        std::lock_guard lock(mutex_);
        if (fail_create) return error(ErrorKind::InvalidArgument, "fake: a bad image");
        built.insert(launch.guest.id);
        launches.push_back(launch);
        return ok();
    }
    Result<void> change(const host::GuestRef& guest, host::GuestChange change) override {
        std::lock_guard lock(mutex_);
        changes.emplace_back(guest.id, change);
        return ok();
    }
    Result<void> destroy(const host::GuestRef& guest) override {
        std::lock_guard lock(mutex_);
        if (!built.erase(guest.id)) return error(ErrorKind::NotFound, "fake: no guest {}", guest.id);
        return ok();
    }
    Result<uint64_t> console_bytes(const host::GuestRef&) override { return uint64_t{42}; }
    Result<std::string> logs(const host::GuestRef& guest) override {
        return fmt::format("console of {}", guest.id);
    }
    Result<std::string> follow(const host::GuestRef& guest) override { return logs(guest); }
    void unfollow(const host::GuestRef& guest) override {
        std::lock_guard lock(mutex_);
        unfollowed.push_back(guest.id);
    }
    nlohmann::json figures() override { return {{"fake_slots", slots}}; }

    // What it was asked; read once the calls are done.
    int slots = 2;
    bool fail_check = false;
    std::vector<host::GuestLaunch> launches; // every guest built, as it was asked
    std::string kind_name = "vm";            // the kind a create names
    bool fail_place = false, fail_create = false;
    std::map<int, int> placed; // guests counted per slot
    std::map<uint32_t, int> bound;
    std::set<uint64_t> built;
    std::vector<uint64_t> released, unfollowed;
    std::vector<std::pair<uint64_t, host::GuestChange>> changes;

  private:
    std::mutex mutex_;
    int next_where_ = 0;
};

} // namespace sf::test
