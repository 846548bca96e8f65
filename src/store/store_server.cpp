// superfluid store: StoreServer, the socket server's lifetime (thread, socket file).
#include "store/store_server.h"

#include "store/server_loop.h"

#include <unistd.h>

namespace sf::store {

Result<std::unique_ptr<StoreServer>> StoreServer::start(Store& store, const StoreServerOptions& options) {
    SF_TRY_ASSIGN(auto loop, ServerLoop::create(store, options));
    return std::unique_ptr<StoreServer>(new StoreServer(options.socket_path, std::move(loop)));
}

StoreServer::StoreServer(std::string path, std::unique_ptr<ServerLoop> loop)
    : path_(std::move(path)), loop_(std::move(loop)) {
    thread_ = std::thread([this] { loop_->run(); });
}

StoreServer::~StoreServer() {
    stop();
}

void StoreServer::stop() {
    if (stopped_) return;
    stopped_ = true;
    loop_->request_stop();
    if (thread_.joinable()) thread_.join();
    ::unlink(path_.c_str());
    loop_.reset();
}

StoreServerStats StoreServer::stats() const {
    return loop_ ? loop_->stats() : StoreServerStats{};
}

} // namespace sf::store
