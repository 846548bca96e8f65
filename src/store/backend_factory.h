// superfluid store: open_backend(), a Backend chosen by name (sfstore --backend, sfd).
#pragma once

#include "common/result.h"
#include "store/backend.h"

#include <memory>
#include <string>
#include <string_view>

namespace sf::store {

// The names open_backend() knows, for help texts: "mem, lmdb".
inline constexpr std::string_view kBackendNames = "mem, lmdb";

// "mem": a new, empty MemBackend (data_dir is ignored).
// "lmdb": the LmdbBackend in data_dir (created if missing; required).
// Anything else is an InvalidArgument error listing the names.
Result<std::unique_ptr<Backend>> open_backend(std::string_view name, const std::string& data_dir);

} // namespace sf::store
