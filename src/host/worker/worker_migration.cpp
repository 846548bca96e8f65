// superfluid worker: live migration, both ends (docs/migration.md).
#include "host/worker/worker.h"

namespace sf::host {

Result<nlohmann::json> Worker::migrate_out(const nlohmann::json&, int, std::stop_token) { return error("not yet"); }
Result<nlohmann::json> Worker::migrate_in(const nlohmann::json&, int, std::stop_token) { return error("not yet"); }

} // namespace sf::host
