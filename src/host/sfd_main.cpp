// sfd: the superfluid host daemon. Owns every guest on this host: serves the
// REST API (docs/api.yaml) on a unix socket and, for clients with a token,
// on TCP, and runs the guests in a few sf-worker processes.
#include "common/executable_path.h"
#include "host/api_server.h"
#include "host/api_tokens.h"
#include "host/host.h"
#include "host/listen_address.h"
#include "host/migration/migration_listener.h"
#include "store/backend_factory.h"
#include "store/store_server.h"
#include "vmm/backend.h"

#include <CLI/CLI.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <vector>

namespace {

struct SfdOptions {
    std::string socket = "/run/superfluid/sfd.sock";
    std::string listen;
    std::string token_file; // empty: api-tokens in state_dir, else beside the socket
    std::string tls_cert, tls_key;
    std::vector<std::string> api_names;
    std::string snapshot_dir;
    std::vector<std::string> migrate_peers;
    int workers = 4;
    int max_workers = 64;
    size_t guests_per_worker = 256;
    size_t max_guests_per_worker = 4000;
    size_t net_pool = 32;
    size_t container_pool = sf::host::NetServiceOptions{}.container_pool;
    uint32_t flood_burst = sf::net::SwitchConfig{}.flood_burst;
    uint32_t flood_rate = sf::net::SwitchConfig{}.flood_per_second;
    sf::host::WorkerSettings
        worker; // --pool, --runners, --ring-size, --log-dir, --log-max-bytes, --orphan-grace
    uint64_t mem_reserve_mib = 256;
    double overcommit = 1.0;
    std::string store = "mem";
    std::string store_data;
    std::string store_socket;       // empty: beside the API socket
    std::string state_dir;          // empty: the API socket's directory
    std::string migrate_listen;     // empty: no incoming migrations
    std::string migrate_token_file; // the token shared with the other hosts
    uint64_t migrate_timeout_ms = 5000;
    std::string backend = "auto";
    std::string kvm_device = "/dev/kvm";
    std::string sandbox; // empty: sf-sandbox beside sfd
    std::string oci_runtime = "crun";
    bool prepare_cgroups = false;
    bool verbose = false;
};

// The directory of the API socket (for the store socket and worker sockets).
std::string socket_dir(const SfdOptions& o) {
    const size_t slash = o.socket.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : o.socket.substr(0, slash);
}

// The embedded store: its back-end, and its XenStore socket for xenstore-utils and other clients.
struct EmbeddedStore {
    std::unique_ptr<sf::store::Store> store;
    std::unique_ptr<sf::store::StoreServer> server;
};

sf::Result<EmbeddedStore> open_store(const SfdOptions& o) {
    EmbeddedStore embedded;
    if (o.store == "none") return embedded;
    SF_TRY_ASSIGN(auto backend, sf::store::open_backend(o.store, o.store_data));
    SF_TRY_ASSIGN(embedded.store, sf::store::Store::create(std::move(backend)));
    sf::store::StoreServerOptions server;
    server.socket_path = o.store_socket.empty() ? socket_dir(o) + "/store.sock" : o.store_socket;
    server.verbose = o.verbose;
    SF_TRY_ASSIGN(embedded.server, sf::store::StoreServer::start(*embedded.store, server));
    return embedded;
}

// Waits for SIGTERM or SIGINT (blocked in every thread, taken here).
int wait_for_signal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int signal = 0;
    sigwait(&set, &signal);
    return signal;
}

// api-tokens in --state-dir, or beside the socket.
std::string default_token_file(const SfdOptions& o) {
    return (o.state_dir.empty() ? socket_dir(o) : o.state_dir) + "/api-tokens";
}

// --listen's address, checked: IPV4:PORT, and off loopback only with TLS.
sf::Result<sf::host::ListenAddress> tcp_address(const SfdOptions& o) {
    SF_TRY_ASSIGN(sf::host::ListenAddress tcp, sf::host::ListenAddress::parse(o.listen));
    if (tcp.is_unix())
        return sf::error(sf::ErrorKind::InvalidArgument, "--listen {}: expected IPV4:PORT", o.listen);
    if (!tcp.is_loopback() && o.tls_cert.empty())
        return sf::error(sf::ErrorKind::InvalidArgument,
                         "--listen {} is not loopback: it needs --tls-cert and --tls-key", o.listen);
    return tcp;
}

// The API's listeners: the unix socket always; TCP with --listen once there are tokens.
struct ApiListeners {
    std::unique_ptr<sf::host::ApiTokens> tokens;
    std::unique_ptr<sf::host::ApiServer> local;
    std::unique_ptr<sf::host::ApiServer> tcp;
};

sf::Result<ApiListeners> start_api(sf::host::ApiServices services, const SfdOptions& o) {
    ApiListeners api;
    SF_TRY_ASSIGN(api.tokens,
                  sf::host::ApiTokens::open(o.token_file.empty() ? default_token_file(o) : o.token_file));
    sf::host::ApiServerOptions options;
    options.verbose = o.verbose;
    options.tokens = api.tokens.get();
    SF_TRY_ASSIGN(const sf::host::ListenAddress socket, sf::host::ListenAddress::unix_socket(o.socket));
    SF_TRY_ASSIGN(api.local, sf::host::ApiServer::create(services, socket, options));
    if (!o.listen.empty()) {
        SF_TRY_ASSIGN(const sf::host::ListenAddress tcp, tcp_address(o));
        options.tls_cert = o.tls_cert;
        options.tls_key = o.tls_key;
        options.host_names = o.api_names;
        if (api.tokens->empty()) {
            std::fprintf(stderr,
                         "sfd: not listening on %s: no API tokens in %s yet (create one: sfctl token create "
                         "NAME; then restart sfd); serving %s only\n",
                         o.listen.c_str(), api.tokens->path().c_str(), o.socket.c_str());
        } else {
            SF_TRY_ASSIGN(api.tcp, sf::host::ApiServer::create(services, tcp, options));
        }
    }
    api.local->start();
    if (api.tcp) api.tcp->start();
    return api;
}

int run(const SfdOptions& o) {
    sf::host::HostOptions host_options;
    host_options.pool.workers = o.workers;
    host_options.pool.max_workers = std::max(o.max_workers, o.workers);
    host_options.pool.guests_per_worker = o.guests_per_worker;
    host_options.pool.max_guests_per_worker = o.max_guests_per_worker;
    host_options.mem_reserve = o.mem_reserve_mib << 20;
    host_options.overcommit = o.overcommit;
    host_options.net.pool_target = o.net_pool;
    host_options.net.container_pool = o.container_pool;
    host_options.net.switch_config.flood_burst = o.flood_burst;
    host_options.net.switch_config.flood_per_second = o.flood_rate;
    host_options.worker.program = sf::beside_executable("sf-worker").string();
    host_options.worker.settings = o.worker;
    // Which backend runs guests here, found once: the workers are told, never left to guess.
    sf::vmm::BackendOptions backend_options;
    backend_options.choice = *sf::vmm::parse_backend_choice(o.backend);
    backend_options.kvm_device = o.kvm_device;
    backend_options.sandbox_path = o.sandbox;
    backend_options.probe = true;
    auto backend = sf::vmm::open_backend(backend_options);
    if (!backend) return std::fprintf(stderr, "sfd: %s\n", backend.error().message.c_str()), 1;
    host_options.worker.settings.backend = sf::vmm::backend_name((*backend)->kind());
    host_options.worker.settings.kvm_device = o.kvm_device;
    host_options.worker.settings.sandbox = o.sandbox;
    host_options.backend = host_options.worker.settings.backend;
    host_options.backend_description = (*backend)->describe();
    std::fprintf(stderr, "sfd: backend %s\n", host_options.backend_description.c_str());
    backend->reset(); // sfd runs no guest itself
    auto store = open_store(o);
    if (!store) return std::fprintf(stderr, "sfd: store: %s\n", store.error().message.c_str()), 1;
    host_options.store = store->store.get();
    if (o.store == "lmdb") { // durable: workers outlive sfd and a restarted sfd adopts them
        host_options.worker.listen_dir = o.state_dir.empty() ? socket_dir(o) : o.state_dir;
    }
    if (!o.migrate_token_file.empty()) {
        auto token = sf::host::MigrationToken::load(o.migrate_token_file);
        if (!token) return std::fprintf(stderr, "sfd: %s\n", token.error().message.c_str()), 2;
        host_options.migration.token = std::move(*token);
    }
    host_options.migration.timeout = std::chrono::milliseconds(o.migrate_timeout_ms);
    auto peers = sf::host::MigrationPeers::parse(o.migrate_peers);
    if (!peers) return std::fprintf(stderr, "sfd: %s\n", peers.error().message.c_str()), 2;
    host_options.migration.peers = std::move(*peers);
    host_options.snapshot_dir = o.snapshot_dir;
    host_options.containers.monitor_program = sf::beside_executable("sf-ctrmon").string();
    host_options.containers.runtime = o.oci_runtime;
    host_options.containers.state_dir = (o.state_dir.empty() ? socket_dir(o) : o.state_dir) + "/containers";
    host_options.containers.prepare_cgroups = o.prepare_cgroups;
    host_options.containers.log_dir = o.worker.log_dir;
    host_options.containers.log_max_bytes = o.worker.log_max_bytes;
    if (!o.migrate_listen.empty() && !host_options.migration.token)
        return std::fprintf(stderr, "sfd: --migrate-listen needs --migrate-token-file\n"), 2;
    auto host = sf::host::Host::create(host_options);
    if (!host) return std::fprintf(stderr, "sfd: %s\n", host.error().message.c_str()), 1;
    std::unique_ptr<sf::host::MigrationListener> migrations;
    if (!o.migrate_listen.empty()) {
        auto where = sf::host::TcpEndpoint::parse(o.migrate_listen);
        if (!where)
            return std::fprintf(stderr, "sfd: --migrate-listen: %s\n", where.error().message.c_str()), 2;
        auto listener = sf::host::MigrationListener::start(
            *where, *host_options.migration.token,
            [h = host->get()](sf::UniqueFd connection, sf::host::MigrationSession session) {
                h->receive_migration(std::move(connection), std::move(session));
            });
        if (!listener) return std::fprintf(stderr, "sfd: %s\n", listener.error().message.c_str()), 1;
        migrations = std::move(*listener);
        std::fprintf(stderr, "sfd: accepting migrations on %s:%u\n", where->host.c_str(), migrations->port());
    }
    auto api = start_api((*host)->services(), o);
    if (!api) return std::fprintf(stderr, "sfd: %s\n", api.error().message.c_str()), 1;
    std::fprintf(stderr, "sfd: listening on %s with %d workers; store: %s%s%s\n",
                 api->local->address().to_string().c_str(), o.workers, o.store.c_str(),
                 store->server ? " on " : "", store->server ? store->server->socket_path().c_str() : "");
    if (api->tcp)
        std::fprintf(stderr, "sfd: API on %s (%s, bearer tokens of %s)\n",
                     api->tcp->address().to_string().c_str(),
                     api->tcp->tls() ? "TLS 1.3" : "plain HTTP on loopback", api->tokens->path().c_str());
    int signal = wait_for_signal();
    std::fprintf(stderr, "sfd: %s: stopping every guest\n", strsignal(signal));
    if (api->tcp) api->tcp->stop();
    api->local->stop();
    migrations.reset(); // waits for migrations under way (each bounded by its timeout)
    (*host)->shutdown();
    host->reset(); // before the store it records into
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"sfd: the superfluid host daemon"};
    SfdOptions o;
    app.add_option("--socket", o.socket,
                   "Unix socket of the API (mode 0600): the admin channel, where no token is needed and "
                   "tokens are managed")
        ->capture_default_str();
    app.add_option("--listen", o.listen,
                   "Also serve the API on TCP, IPV4:PORT (e.g. 127.0.0.1:8080): clients need a bearer token "
                   "(sfctl token create); off loopback it needs --tls-cert and --tls-key. Without tokens sfd "
                   "serves its unix socket only");
    app.add_option(
        "--token-file", o.token_file,
        "The API tokens' SHA-256 hashes (mode 0600; managed by sfctl token); default: api-tokens in "
        "--state-dir, else beside --socket (under /run: lost at reboot, so give a lasting path)");
    app.add_option("--tls-cert", o.tls_cert,
                   "PEM certificate (chain) of the TCP API: it then speaks TLS 1.3 only")
        ->check(CLI::ExistingFile);
    app.add_option("--tls-key", o.tls_key, "PEM private key of --tls-cert")->check(CLI::ExistingFile);
    app.add_option(
        "--api-name", o.api_names,
        "A name clients use for this host (the Host header is checked), besides the --listen address "
        "(and localhost on loopback); repeatable");
    app.add_option("--snapshot-dir", o.snapshot_dir,
                   "Directory of snapshot files: save and restore name files in it, and nowhere else "
                   "(without it they are refused)")
        ->check(CLI::ExistingDirectory);
    app.add_option("--workers", o.workers, "Worker processes started at once")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    app.add_option("--max-workers", o.max_workers, "Worker processes it may grow to as guests come")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    app.add_option("--guests-per-worker", o.guests_per_worker,
                   "Add a worker once every worker holds this many guests (creation slows as one process "
                   "holds more VMs)")
        ->check(CLI::Range(1, 9000))
        ->capture_default_str();
    app.add_option("--max-guests-per-worker", o.max_guests_per_worker,
                   "Guests per worker (each holds 2 of the 20,000 descriptors a process may have)")
        ->check(CLI::Range(1, 9000))
        ->capture_default_str();
    app.add_option("--pool", o.worker.pool, "Pre-created shells kept ready per worker")
        ->capture_default_str();
    app.add_option("--net-pool", o.net_pool, "Pre-created switch ports kept warm per network")
        ->capture_default_str();
    app.add_option("--container-pool", o.container_pool,
                   "Container NICs (a network namespace with eth0 made and plugged into the switch) kept "
                   "warm per network, from its first container on; 0: each made when a container asks")
        ->check(CLI::Range(size_t{0}, size_t{256}))
        ->capture_default_str();
    app.add_option("--flood-burst", o.flood_burst,
                   "Broadcast/multicast frames a guest may send at once; beyond them, --flood-rate "
                   "(the rest is dropped and counted)")
        ->check(CLI::Range(1u, 1'000'000u))
        ->capture_default_str();
    app.add_option("--flood-rate", o.flood_rate,
                   "Broadcast/multicast frames per second a guest may send on average (0: no limit)")
        ->check(CLI::Range(0u, 1'000'000'000u))
        ->capture_default_str();
    app.add_option("--runners", o.worker.runners, "vCPU runner threads per worker")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    app.add_option("--ring-size", o.worker.ring_size, "Console ring bytes per guest")
        ->check(CLI::Range(0, 128 << 10))
        ->capture_default_str();
    app.add_option("--log-dir", o.worker.log_dir,
                   "Also append each guest's console (a VM's or a container's output) to DIR/NAME.log "
                   "(one more descriptor a guest)")
        ->check(CLI::ExistingDirectory);
    app.add_option(
           "--log-max-bytes", o.worker.log_max_bytes,
           "With --log-dir: a guest's NAME.log grows to at most this many bytes, then becomes NAME.log.1 "
           "(replacing an older one) and a new NAME.log starts: at most twice this on disk per guest")
        ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 40))
        ->capture_default_str();
    app.add_option("--mem-reserve", o.mem_reserve_mib,
                   "Host memory (MiB) to keep free: creates fail while less is available, and the memory "
                   "sizes of live guests add up to at most (MemTotal - this) x --overcommit")
        ->capture_default_str();
    app.add_option("--overcommit", o.overcommit,
                   "Guest memory sfd may commit, as a multiple of MemTotal - --mem-reserve: a create or "
                   "arrival that would take the live guests' memory sizes past it fails (409); above 1 bets "
                   "that guests leave some of their memory untouched")
        ->check(CLI::PositiveNumber)
        ->default_str("1.0");
    app.add_option(
           "--store", o.store,
           "Store back-end: mem (default), lmdb (durable: a restarted sfd re-adopts the running guests), "
           "none (no records, no guest store access)")
        ->check(CLI::IsMember({"mem", "lmdb", "none"}))
        ->capture_default_str();
    app.add_option("--store-data", o.store_data, "Directory of the lmdb store (created if missing)");
    app.add_option("--store-socket", o.store_socket,
                   "XenStore-protocol socket of the store (xenstore-utils: XENSTORED_PATH=...); "
                   "default: store.sock beside --socket");
    app.add_option("--state-dir", o.state_dir,
                   "With --store lmdb: where workers wait for a restarted sfd; and where --token-file is by "
                   "default (default: beside --socket)");
    app.add_option("--orphan-grace", o.worker.orphan_grace_s,
                   "With --store lmdb: seconds a worker keeps its guests waiting for sfd to come back")
        ->capture_default_str();
    app.add_option(
           "--oci-runtime", o.oci_runtime,
           "The OCI runtime of containers (sfctl create --kind container): crun or runc, or a path to one")
        ->capture_default_str();
    app.add_flag(
        "--prepare-cgroups", o.prepare_cgroups,
        "At start-up, check the cgroups for containers and, on a hybrid host whose cgroup2 hierarchy "
        "holds controllers (which crun refuses), mount them as cgroup v1 hierarchies (said in the log); "
        "without it such a host's containers are refused with the fix named");
    app.add_option("--migrate-listen", o.migrate_listen,
                   "Accept guests migrated from other hosts on ADDR[:PORT] (TCP, default port 7440); "
                   "needs --migrate-token-file");
    app.add_option("--migrate-token-file", o.migrate_token_file,
                   "File holding the secret shared with the hosts guests migrate to and from "
                   "(first line, at least 16 bytes, mode 0600)");
    app.add_option("--migrate-peer", o.migrate_peers,
                   "A host guests may be migrated to, HOST[:PORT] as given to migrate (default port 7440); "
                   "repeatable. Migrations anywhere else are refused");
    app.add_option("--migrate-timeout", o.migrate_timeout_ms,
                   "Longest wait (ms) for the other host during a migration before giving up")
        ->check(CLI::Range(100, 600000))
        ->capture_default_str();
    app.add_option("--backend", o.backend,
                   "How guests run: kvm (a VM each), process (a sandboxed process each, where there is no "
                   "/dev/kvm; weaker isolation), or auto (kvm where usable, else process)")
        ->check(CLI::IsMember({"auto", "kvm", "process"}))
        ->envname("SF_BACKEND")
        ->capture_default_str();
    app.add_option("--kvm", o.kvm_device, "KVM device of the kvm backend")->capture_default_str();
    app.add_option("--sandbox", o.sandbox,
                   "Sandbox program of the process backend (default: sf-sandbox beside sfd)");
    app.add_flag("--verbose,-v", o.verbose, "Log every API request on stderr");
    CLI11_PARSE(app, argc, argv);
    if (o.tls_cert.empty() != o.tls_key.empty()) {
        std::fprintf(stderr, "sfd: --tls-cert and --tls-key go together\n");
        return 2;
    }
    if (!o.tls_cert.empty() && o.listen.empty()) {
        std::fprintf(stderr, "sfd: --tls-cert is for the TCP API: give --listen too\n");
        return 2;
    }
    if (!o.listen.empty()) {
        if (auto tcp = tcp_address(o); !tcp) {
            std::fprintf(stderr, "sfd: %s\n", tcp.error().message.c_str());
            return 2;
        }
    }
    if (o.store == "lmdb" && o.store_data.empty()) {
        std::fprintf(stderr, "sfd: --store lmdb needs --store-data DIR\n");
        return 2;
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr); // before any thread starts
    signal(SIGPIPE, SIG_IGN);
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    return run(o);
}
