// sf-worker: a superfluid VMM worker process. Started by sfd, never by hand:
//   sf-worker --control-fd FD [--frame-fd FD] --index N [--pool N] [--runners N] [--slice-ms N] [--ring-size
//   BYTES]
//             [--log-dir DIR [--log-max-bytes N]] [--listen SOCKET [--orphan-grace SECONDS]]
//             [--backend kvm|process|auto] [--kvm DEV] [--sandbox PATH]
#include "host/worker/worker.h"
#include "host/worker_settings.h"

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
    app.add_option("--control-fd", config.control_fd, "Socket to sfd")->required();
    app.add_option("--frame-fd", config.frame_fd, "Frame channel to sfd's switches");
    sf::host::add_options(app, config.settings);
    CLI11_PARSE(app, argc, argv);

    if (config.settings.listen_path.empty()) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); // no worker outlives sfd
        if (getppid() == 1) return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN); // sfd decides when we stop
    raise_fd_limit();
    sf::vmm::BackendOptions backend_options;
    backend_options.choice = *sf::vmm::parse_backend_choice(config.settings.backend);
    backend_options.kvm_device = config.settings.kvm_device;
    backend_options.sandbox_path = config.settings.sandbox;
    auto backend = sf::vmm::open_backend(backend_options);
    if (!backend) {
        std::fprintf(stderr, "sf-worker %d: %s\n", config.settings.index, backend.error().message.c_str());
        return 1;
    }
    sf::host::Worker worker(config, *backend);
    return worker.serve();
}
