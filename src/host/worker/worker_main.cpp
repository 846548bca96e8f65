// sf-worker: a superfluid VMM worker process. Started by sfd, never by hand:
//   sf-worker --control-fd FD [--frame-fd FD] --index N [--pool N] [--runners N] [--slice-ms N] [--ring-size BYTES]
//             [--log-dir DIR [--log-max-bytes N]] [--listen SOCKET [--orphan-grace SECONDS]]
//             [--backend kvm|process|auto] [--kvm DEV] [--sandbox PATH]
#include "host/worker/worker.h"

#include <CLI/CLI.hpp>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

namespace {

// Each guest holds two descriptors: use the whole hard limit.
void raise_fd_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"sf-worker: a superfluid VMM worker process (started by sfd)"};
    sf::host::WorkerConfig config;
    uint64_t slice_ms = 10;
    app.add_option("--control-fd", config.control_fd, "Socket to sfd")->required();
    app.add_option("--index", config.index, "Worker number")->required();
    app.add_option("--frame-fd", config.frame_fd, "Frame channel to sfd's switches");
    app.add_option("--pool", config.pool_target, "Shells kept ready")->capture_default_str();
    app.add_option("--runners", config.runners, "Runner threads")->check(CLI::Range(1, 64))->capture_default_str();
    app.add_option("--slice-ms", slice_ms, "Time slice of a running guest")->check(CLI::Range(1, 1000));
    app.add_option("--ring-size", config.ring_size, "Console ring bytes per guest")->check(CLI::Range(0, 128 << 10));
    app.add_option("--log-dir", config.log_dir, "Also append each guest's console to DIR/NAME.log");
    app.add_option("--log-max-bytes", config.log_max_bytes,
                   "With --log-dir: NAME.log's size cap; past it NAME.log becomes NAME.log.1 (replacing an older "
                   "one) and a new NAME.log starts")
        ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 40))
        ->capture_default_str();
    app.add_option("--listen", config.listen_path,
                   "Outlive sfd: keep the guests when it goes away and accept a restarted sfd on this unix socket");
    app.add_option("--orphan-grace", config.orphan_grace_s,
                   "With --listen: seconds to wait for a restarted sfd before stopping the guests")
        ->capture_default_str();
    std::string backend_name = "auto";
    app.add_option("--backend", backend_name, "How guests run: kvm, process or auto (sfd passes the one it chose)")
        ->check(CLI::IsMember({"auto", "kvm", "process"}))
        ->envname("SF_BACKEND")
        ->capture_default_str();
    sf::vmm::BackendOptions backend_options;
    app.add_option("--kvm", backend_options.kvm_device, "KVM device")->capture_default_str();
    app.add_option("--sandbox", backend_options.sandbox_path, "Sandbox program (default: sf-sandbox beside sf-worker)");
    CLI11_PARSE(app, argc, argv);
    config.backend = *sf::vmm::parse_backend_choice(backend_name);
    config.slice_ns = slice_ms * 1'000'000;

    if (config.listen_path.empty()) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); // no worker outlives sfd
        if (getppid() == 1) return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN); // sfd decides when we stop
    raise_fd_limit();
    backend_options.choice = config.backend;
    auto backend = sf::vmm::open_backend(backend_options);
    if (!backend) {
        std::fprintf(stderr, "sf-worker %d: %s\n", config.index, backend.error().message.c_str());
        return 1;
    }
    sf::host::Worker worker(config, *backend);
    return worker.serve();
}
