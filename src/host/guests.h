// superfluid toolstack: Guests, the API's guest service (GuestService):
// create, look up, start, pause, resume, destroy, consoles, and the host's
// figures, over the GuestRegistry and each guest's kind.
//
// Threading: every method from many threads at once.
#pragma once

#include "host/guest_kind.h"
#include "host/guest_registry.h"
#include "host/guest_service.h"
#include "host/net_service.h"
#include "store/store.h"

#include <atomic>
#include <string>

namespace sf::host {

struct GuestsOptions {
    // Not owned; each outlives Guests.
    GuestRegistry* registry = nullptr;
    GuestKind* vm = nullptr; // the kind a create makes by default ("kind": "vm")
    NetService* net = nullptr;
    store::Store* store = nullptr; // null: no records (the benchmark's baseline without the store)
    // For /v1/host.
    std::string backend;             // the workers' backend's kind
    std::string backend_description; // its one-line description
    uint64_t mem_reserve = 0;
    double overcommit = 1.0;
    GuestKind* container = nullptr; // "kind": "container" (not owned); null: containers are refused
};

class Guests final : public GuestService {
  public:
    explicit Guests(GuestsOptions options) : options_(std::move(options)), registry_(*options_.registry) {}

    Result<GuestInfo> create(const CreateRequest& request) override;
    Result<GuestInfo> info(const std::string& ref) override;
    Result<std::vector<GuestInfo>> list() override;
    Result<GuestInfo> start(const std::string& ref) override;
    Result<GuestInfo> pause(const std::string& ref) override;
    Result<GuestInfo> resume(const std::string& ref) override;
    Result<void> destroy(const std::string& ref) override;
    Result<std::string> logs(const std::string& ref) override;
    Result<void> follow_console(const std::string& ref, const ConsoleCallback& callback) override;
    Result<HostInfo> host_info() override;

  private:
    // The kind named by the request's "kind".
    Result<GuestKind*> kind_for(const CreateRequest& request) const;
    Result<void> check(GuestKind& kind, const CreateRequest& request) const;
    // Where a create's NIC lease is made, per kind: a container's NIC lives in a network namespace.
    Result<std::optional<NicLease>> lease_nic(const GuestKind& kind, const CreateRequest& request) const;
    Result<GuestInfo> change(const std::string& ref, GuestChange change, GuestState from, GuestState to);
    // {"backend", "records_written", "record_ms_mean" (a create's time writing its record), "nodes", ...}
    nlohmann::json store_figures() const;

    const GuestsOptions options_;
    GuestRegistry& registry_;
    std::atomic<uint64_t> record_ns_{0}, records_written_{0}; // time creates spent writing records
};

} // namespace sf::host
