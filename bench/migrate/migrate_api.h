// sf-bench migrate: the requests of the migration bench that sf-bench's
// SfdClient does not make: POST /v1/guests/NAME/migrate (timed here, on a
// connection opened beforehand), and pause, resume and destroy by name.
//
// One MigrateApi is one keep-alive connection to one sfd's unix socket.
#pragma once

#include "common/result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace httplib {
class Client;
}

namespace sf::bench {

// sfd's reply to a migration (docs/migration.md), and the client's own time.
struct MigrateReply {
    double client_ms = 0;                 // the request sent to the reply received
    double total_ms = 0, downtime_ms = 0; // sfd's figures
    uint64_t bytes_sent = 0, rounds = 0;
    nlohmann::json phases; // sfd's breakdown ("phases"), when it gives one
};

// The figures of a reply body; missing fields are 0.
MigrateReply parse_migrate_reply(const nlohmann::json& body);

class MigrateApi {
  public:
    explicit MigrateApi(const std::string& socket_path);
    ~MigrateApi();
    MigrateApi(const MigrateApi&) = delete;
    MigrateApi& operator=(const MigrateApi&) = delete;

    // GET /v1/host: opens the connection before a timed request.
    Result<void> warm_up();
    // POST /v1/guests/NAME/migrate {"to": "HOST:PORT"}.
    Result<MigrateReply> migrate(const std::string& name, const std::string& to);
    // POST /v1/guests/NAME/pause or /resume.
    Result<void> act(const std::string& name, const std::string& action);
    // DELETE /v1/guests/NAME.
    Result<void> destroy(const std::string& name);

  private:
    Result<nlohmann::json> call(const char* method, const std::string& path, const std::string& body);

    std::unique_ptr<httplib::Client> http_;
};

} // namespace sf::bench
