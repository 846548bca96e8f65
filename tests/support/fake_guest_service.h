// Tests: FakeGuestService, an in-memory GuestService, NetworkService and
// TransferService (all three of ApiServices) for the API and sfctl tests (no
// KVM, no workers). It keeps the interface's contract: refs are ids
// or names, names are unique, states move created -> running <-> paused ->
// exited, follow_console sends the console then new bytes, with an empty
// heartbeat every 20 ms, until the guest ends or the callback says stop.
//
// Networks are a real sf::net::NetworkTable (names, subnets, overlaps, address
// pools: the switch library's own rules and messages); a guest created with
// "net" gets the pool's next address (the first guest address after the
// host's) or claims its "ip", a MAC from its id, and gives the address back
// when destroyed. No TAPs, no switching.
//
// Test hooks: write_console() and end_guest() play the guest's part; a
// cmdline of "silent" makes a guest that writes nothing when it starts.
#pragma once

#include "host/guest_service.h"
#include "net/network_table.h"

#include <fmt/chrono.h>
#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>

namespace sf::test {

using host::CreateRequest;
using host::GuestInfo;
using host::GuestState;

class FakeGuestService final : public host::GuestService,
                               public host::NetworkService,
                               public host::TransferService {
  public:
    Result<GuestInfo> create(const CreateRequest& request) override {
        std::lock_guard lock(mutex_);
        last_request = request;
        SF_TRY(check(request));
        Guest guest;
        guest.info.id = next_id_++;
        guest.info.name = request.name.empty() ? fmt::format("guest-{}", guest.info.id) : request.name;
        guest.info.image = request.image;
        guest.info.mem_size = request.mem_size;
        guest.info.cmdline = request.cmdline;
        guest.info.worker = int(guest.info.id % 2);
        guest.info.created_at = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr) - 90));
        if (request.start) boot(guest);
        if (request.wait_for_output && guest.console.empty())
            return error(ErrorKind::Unavailable, "no console output within {} ms",
                         request.wait_timeout.count());
        if (!request.net.empty()) {
            SF_TRY_ASSIGN(guest.info.nic, attach(request, guest.info.id));
        }
        uint64_t id = guest.info.id;
        guests_[id] = guest;
        return guest.info;
    }

    Result<GuestInfo> info(const std::string& ref) override {
        std::lock_guard lock(mutex_);
        SF_TRY_ASSIGN(Guest * guest, find(ref));
        return guest->info;
    }

    Result<std::vector<GuestInfo>> list() override {
        std::lock_guard lock(mutex_);
        std::vector<GuestInfo> out;
        for (const auto& [id, guest] : guests_)
            out.push_back(guest.info);
        return out;
    }

    Result<GuestInfo> start(const std::string& ref) override {
        return transition(ref, GuestState::Created, GuestState::Running, "already started");
    }
    Result<GuestInfo> pause(const std::string& ref) override {
        return transition(ref, GuestState::Running, GuestState::Paused, "not running");
    }
    Result<GuestInfo> resume(const std::string& ref) override {
        return transition(ref, GuestState::Paused, GuestState::Running, "not paused");
    }

    Result<void> destroy(const std::string& ref) override {
        std::lock_guard lock(mutex_);
        SF_TRY_ASSIGN(Guest * guest, find(ref));
        if (guest->info.nic) detach(*guest->info.nic);
        guests_.erase(guest->info.id);
        changed_.notify_all();
        return ok();
    }

    Result<std::string> logs(const std::string& ref) override {
        std::lock_guard lock(mutex_);
        SF_TRY_ASSIGN(Guest * guest, find(ref));
        return guest->console;
    }

    Result<void> follow_console(const std::string& ref, const host::ConsoleCallback& callback) override {
        ++follows_started;
        size_t sent = 0;
        std::unique_lock lock(mutex_);
        while (true) {
            auto guest = find(ref);
            if (!guest) return sent == 0 ? Result<void>(guest.error()) : ok(); // destroyed meanwhile: ended
            std::string fresh = (*guest)->console.substr(sent);
            bool ended =
                (*guest)->info.state == GuestState::Exited || (*guest)->info.state == GuestState::Crashed;
            sent += fresh.size();
            lock.unlock();
            bool more = callback(fresh);
            lock.lock();
            if (!more || ended) break;
            changed_.wait_for(lock, std::chrono::milliseconds(20));
        }
        ++follows_ended;
        return ok();
    }

    Result<host::HostInfo> host_info() override {
        std::lock_guard lock(mutex_);
        nlohmann::json workers = nlohmann::json::array();
        for (int i = 0; i < 2; ++i)
            workers.push_back({{"index", i}, {"alive", true}, {"cpus", {0, 1}}});
        return host::HostInfo{nlohmann::json{{"workers", workers},
                                             {"guests", guests_.size()},
                                             {"pool", {{"size", 8}, {"ready", 7}}},
                                             {"version", "fake"}}};
    }

    // The guest `ref` writes `bytes` on its console.
    void write_console(const std::string& ref, std::string_view bytes) {
        std::lock_guard lock(mutex_);
        auto guest = find(ref);
        if (!guest) return;
        (*guest)->console.append(bytes);
        (*guest)->info.console_bytes += bytes.size();
        changed_.notify_all();
    }

    // The guest `ref` exits with `status`.
    void end_guest(const std::string& ref, int status) {
        std::lock_guard lock(mutex_);
        auto guest = find(ref);
        if (!guest) return;
        (*guest)->info.state = GuestState::Exited;
        (*guest)->info.exit_status = status;
        changed_.notify_all();
    }

    CreateRequest last_request;
    std::atomic<int> follows_started{0};
    std::atomic<int> follows_ended{0};

    Result<host::NetworkInfo> create_network(const host::CreateNetworkRequest& request) override {
        SF_TRY_ASSIGN(auto network, networks_.create(request.name, request.subnet));
        return network_json(*network);
    }

    Result<std::vector<host::NetworkInfo>> list_networks() override {
        std::vector<host::NetworkInfo> out;
        for (const auto& network : networks_.list())
            out.push_back(network_json(*network));
        return out;
    }

    Result<host::NetworkInfo> network_info(const std::string& name) override {
        SF_TRY_ASSIGN(auto network, networks_.find(name));
        return network_json(*network);
    }

    Result<void> remove_network(const std::string& name) override { return networks_.remove(name); }

    // Snapshots are kept in memory by file name; a migration to "unreachable"
    // fails (the guest stays), any other moves the guest away.
    Result<host::SaveResult> save(const std::string& ref, const host::SaveRequest& request) override {
        std::lock_guard lock(mutex_);
        SF_TRY_ASSIGN(Guest * found, find(ref));
        const uint64_t id = found->info.id;
        Guest& guest = *found;
        if (guest.info.state != GuestState::Running && guest.info.state != GuestState::Paused)
            return error(ErrorKind::Conflict, "guest '{}' is not running", guest.info.name);
        snapshots_[request.file] = guest;
        host::SaveResult result{guest.info, request.file, 4096 * 3, 3, 1.5};
        if (!request.keep) guests_.erase(id);
        return result;
    }
    Result<GuestInfo> restore(const host::RestoreRequest& request) override {
        std::lock_guard lock(mutex_);
        auto it = snapshots_.find(request.file);
        if (it == snapshots_.end())
            return error(ErrorKind::NotFound, "cannot open {}: no such file", request.file);
        Guest guest = it->second;
        guest.info.id = next_id_++;
        if (!request.name.empty()) guest.info.name = request.name;
        for (const auto& [id, other] : guests_)
            if (other.info.name == guest.info.name)
                return error(ErrorKind::Conflict, "a guest named '{}' exists already", guest.info.name);
        guest.info.state = request.start ? GuestState::Running : GuestState::Paused;
        guests_[guest.info.id] = guest;
        return guest.info;
    }
    Result<host::MigrateResult> migrate(const std::string& ref,
                                        const host::MigrateRequest& request) override {
        std::lock_guard lock(mutex_);
        SF_TRY_ASSIGN(Guest * found, find(ref));
        const uint64_t id = found->info.id;
        if (request.to.rfind("unreachable", 0) == 0)
            return error(ErrorKind::Unavailable, "migrating '{}' to {} failed, it runs on here: no answer",
                         guests_.at(id).info.name, request.to);
        host::MigrateResult result{guests_.at(id).info.name,
                                   request.to,
                                   4.5,
                                   1.25,
                                   2u << 20,
                                   3,
                                   {{"frames_forwarded", request.to.rfind("busy", 0) == 0 ? 7 : 0}}};
        guests_.erase(id);
        return result;
    }

  private:
    struct Guest {
        GuestInfo info;
        std::string console;
    };
    std::map<std::string, Guest> snapshots_; // save/restore, by file name

    Result<void> check(const CreateRequest& request) {
        struct stat st {};
        if (::stat(request.image.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
            return error(ErrorKind::InvalidArgument, "image {}: no such file", request.image);
        if (request.mem_size < (2u << 20) || request.mem_size > (4ull << 30) || request.mem_size % 4096)
            return error(ErrorKind::InvalidArgument,
                         "mem: {} bytes is out of range (2 MiB to 4 GiB, 4 KiB multiple)", request.mem_size);
        for (const auto& [id, guest] : guests_)
            if (guest.info.name == request.name)
                return error(ErrorKind::Conflict, "a guest named '{}' already exists", request.name);
        return ok();
    }

    void boot(Guest& guest) {
        guest.info.state = GuestState::Running;
        if (guest.info.cmdline == "silent") return;
        guest.console = fmt::format("booted {}\n", guest.info.name);
        guest.info.console_bytes = guest.console.size();
        guest.info.first_output_ms = 0.25;
    }

    static host::NetworkInfo network_json(const net::Network& network) {
        const net::AddressPool& pool = network.addresses();
        return host::NetworkInfo{network.name(),
                                 network.subnet().to_string(),
                                 network.host_address().to_string(),
                                 network.name(),
                                 pool.in_use_count(),
                                 pool.capacity() - pool.in_use_count(),
                                 nlohmann::json{{"frames", 0}, {"dropped", 0}}};
    }

    // The guest's NIC on `request.net`: the address asked for, or the pool's next one.
    Result<host::NicInfo> attach(const CreateRequest& request, uint64_t id) {
        SF_TRY_ASSIGN(auto network, networks_.find(request.net));
        net::Ipv4Address address;
        if (request.ip.empty()) {
            SF_TRY_ASSIGN(address, network->addresses().allocate());
        } else {
            SF_TRY_ASSIGN(address, net::Ipv4Address::parse(request.ip));
            SF_TRY(network->addresses().claim(address));
        }
        std::string mac = fmt::format("02:00:00:00:{:02x}:{:02x}", (id >> 8) & 0xff, id & 0xff);
        return host::NicInfo{network->name(), mac, address.to_string(), int(network->subnet().prefix()),
                             network->host_address().to_string()};
    }

    void detach(const host::NicInfo& nic) {
        auto network = networks_.find(nic.network);
        auto address = net::Ipv4Address::parse(nic.ip);
        if (network && address) (void)(*network)->addresses().release(*address);
    }

    Result<Guest*> find(const std::string& ref) {
        for (auto& [id, guest] : guests_)
            if (guest.info.name == ref || std::to_string(id) == ref) return &guest;
        return error(ErrorKind::NotFound, "no guest '{}'", ref);
    }

    Result<GuestInfo> transition(const std::string& ref, GuestState from, GuestState to,
                                 const char* refusal) {
        std::lock_guard lock(mutex_);
        SF_TRY_ASSIGN(Guest * guest, find(ref));
        if (guest->info.state != from) return error(ErrorKind::Conflict, "guest '{}' is {}", ref, refusal);
        if (to == GuestState::Running && from == GuestState::Created) boot(*guest);
        guest->info.state = to;
        changed_.notify_all();
        return guest->info;
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<uint64_t, Guest> guests_;
    net::NetworkTable networks_;
    uint64_t next_id_ = 1;
};

} // namespace sf::test
