// superfluid worker: save and restore (docs/migration.md, "Worker operations").
#include "host/worker/worker.h"

namespace sf::host {

Result<nlohmann::json> Worker::save(uint64_t, int, std::stop_token) { return error("save: not yet"); }
Result<nlohmann::json> Worker::restore(const nlohmann::json&, int, std::stop_token) { return error("restore: not yet"); }

} // namespace sf::host
