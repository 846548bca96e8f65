// superfluid store: open_backend() (see backend_factory.h).
#include "store/backend_factory.h"

#include "store/lmdb_backend.h"
#include "store/mem_backend.h"

namespace sf::store {

Result<std::unique_ptr<Backend>> open_backend(std::string_view name, const std::string& data_dir) {
    if (name == "mem") return std::unique_ptr<Backend>(MemBackend::create());
    if (name == "lmdb") {
        if (data_dir.empty()) {
            return error(ErrorKind::InvalidArgument, "the lmdb back-end needs a data directory (--data DIR)");
        }
        SF_TRY_ASSIGN(auto backend, LmdbBackend::open(data_dir));
        return std::unique_ptr<Backend>(std::move(backend));
    }
    return error(ErrorKind::InvalidArgument, "unknown back-end '{}' (known: {})", name, kBackendNames);
}

} // namespace sf::store
