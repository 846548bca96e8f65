// superfluid toolstack: parsing of save, restore and migrate requests
// (POST /v1/guests/{ref}/save, /v1/guests/restore, /v1/guests/{ref}/migrate).
// Unknown fields, wrong types and empty names are 400s naming the field.
// "file" is a name in sfd's snapshot directory (or that directory's path,
// '/', and the name); the service checks it (SnapshotDir::name_of).
#pragma once

#include "common/result.h"
#include "host/guest_service.h"

#include <string_view>

namespace sf::host {

// {"file": "NAME", "keep"?: bool}
Result<SaveRequest> parse_save_request(std::string_view body);
// {"file": "NAME", "name"?: string, "start"?: bool}
Result<RestoreRequest> parse_restore_request(std::string_view body);
// {"to": "HOST[:PORT]"}
Result<MigrateRequest> parse_migrate_request(std::string_view body);

} // namespace sf::host
