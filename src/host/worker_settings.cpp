// superfluid toolstack: worker settings to sf-worker's command line and back.
#include "host/worker_settings.h"

namespace sf::host {

std::vector<std::string> to_args(const WorkerSettings& s) {
    std::vector<std::string> args = {"--index",     std::to_string(s.index),
                                     "--pool",      std::to_string(s.pool),
                                     "--runners",   std::to_string(s.runners),
                                     "--slice-ms",  std::to_string(s.slice_ms),
                                     "--ring-size", std::to_string(s.ring_size),
                                     "--backend",   s.backend,
                                     "--kvm",       s.kvm_device};
    if (!s.sandbox.empty()) args.insert(args.end(), {"--sandbox", s.sandbox});
    if (!s.log_dir.empty())
        args.insert(args.end(), {"--log-dir", s.log_dir, "--log-max-bytes", std::to_string(s.log_max_bytes)});
    if (!s.listen_path.empty())
        args.insert(args.end(),
                    {"--listen", s.listen_path, "--orphan-grace", std::to_string(s.orphan_grace_s)});
    return args;
}

void add_options(CLI::App& app, WorkerSettings& s) {
    app.add_option("--index", s.index, "Worker number")->required();
    app.add_option("--pool", s.pool, "Shells kept ready")->capture_default_str();
    app.add_option("--runners", s.runners, "Runner threads")->check(CLI::Range(1, 64))->capture_default_str();
    app.add_option("--slice-ms", s.slice_ms, "Time slice of a running guest")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    app.add_option("--ring-size", s.ring_size, "Console ring bytes per guest")
        ->check(CLI::Range(0, 128 << 10))
        ->capture_default_str();
    app.add_option("--log-dir", s.log_dir, "Also append each guest's console to DIR/NAME.log");
    app.add_option(
           "--log-max-bytes", s.log_max_bytes,
           "With --log-dir: NAME.log's size cap; past it NAME.log becomes NAME.log.1 (replacing an older "
           "one) and a new NAME.log starts")
        ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 40))
        ->capture_default_str();
    app.add_option(
        "--listen", s.listen_path,
        "Outlive sfd: keep the guests when it goes away and accept a restarted sfd on this unix socket");
    app.add_option("--orphan-grace", s.orphan_grace_s,
                   "With --listen: seconds to wait for a restarted sfd before stopping the guests")
        ->capture_default_str();
    app.add_option("--backend", s.backend,
                   "How guests run: kvm, process or auto (sfd passes the one it chose)")
        ->check(CLI::IsMember({"auto", "kvm", "process"}))
        ->envname("SF_BACKEND")
        ->capture_default_str();
    app.add_option("--kvm", s.kvm_device, "KVM device")->capture_default_str();
    app.add_option("--sandbox", s.sandbox, "Sandbox program (default: sf-sandbox beside sf-worker)");
}

} // namespace sf::host
