// superfluid store: sfstore, the store on its own, serving XenStore's protocol on a unix socket.
//
//   sfstore --socket PATH [--backend mem|lmdb] [--data DIR] [--verbose]
//
// Prints one line once listening; SIGTERM or SIGINT stop it cleanly (clients
// disconnected, socket removed).
#include "store/backend_factory.h"
#include "store/store.h"
#include "store/store_server.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <cstdio>

namespace {

struct Options {
    std::string socket;
    std::string backend = "mem";
    std::string data;
    bool verbose = false;
};

// Blocks SIGTERM and SIGINT in every thread (the server's inherits the mask) so that sigwait takes them.
sigset_t block_stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}

int run(const Options& options) {
    if (options.backend == "lmdb" && options.data.empty()) {
        fmt::print(stderr, "sfstore: --backend lmdb needs --data DIR\n");
        return 2;
    }
    auto backend = sf::store::open_backend(options.backend, options.data);
    if (!backend) {
        fmt::print(stderr, "sfstore: {}\n", backend.error().message);
        return 1;
    }
    auto store = sf::store::Store::create(std::move(*backend));
    if (!store) {
        fmt::print(stderr, "sfstore: {}\n", store.error().message);
        return 1;
    }
    const sigset_t stop_signals = block_stop_signals();
    sf::store::StoreServerOptions server_options;
    server_options.socket_path = options.socket;
    server_options.verbose = options.verbose;
    auto server = sf::store::StoreServer::start(**store, server_options);
    if (!server) {
        fmt::print(stderr, "sfstore: {}\n", server.error().message);
        return 1;
    }
    fmt::print("sfstore: listening on {} (backend {})\n", options.socket, (*store)->backend_name());
    std::fflush(stdout);
    int signal = 0;
    sigwait(&stop_signals, &signal);
    (*server)->stop();
    if (options.verbose) fmt::print(stderr, "sfstore: stopped by signal {}\n", signal);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"sfstore: a XenStore-compatible hierarchical store serving XenStore's wire protocol on a\n"
                 "unix socket (xenstore-utils: XENSTORED_PATH=PATH xenstore-ls). Stops on SIGTERM/SIGINT."};
    Options options;
    app.add_option("--socket", options.socket,
                   "unix socket to listen on (mode 0600; a stale one is replaced)")
        ->required();
    app.add_option("--backend", options.backend, "where nodes are kept: mem (default) or lmdb (durable)")
        ->check(CLI::IsMember({"mem", "lmdb"}));
    app.add_option("--data", options.data, "data directory of the lmdb back-end (created if missing)");
    app.add_flag("--verbose", options.verbose, "log connections and protocol errors on stderr");
    CLI11_PARSE(app, argc, argv);
    return run(options);
}
