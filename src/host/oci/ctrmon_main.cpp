// sf-ctrmon: sfd's container monitor (container_monitor.h).
//
// sf-ctrmon --control-fd FD --runtime PROGRAM --runtime-root DIR [--listen SOCKET [--keep]]
#include "host/oci/container_monitor.h"

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
    CLI::App app{"sf-ctrmon: holds sfd's OCI containers, their stdio and their exits (started by sfd)"};
    sf::host::MonitorConfig config;
    app.add_option("--control-fd", config.control_fd, "The connection to the sfd that started it")
        ->required();
    app.add_option("--runtime", config.runtime.program, "The OCI runtime: crun or runc (a name or a path)")
        ->required();
    app.add_option("--runtime-root", config.runtime.root, "The runtime's state directory (its --root)")
        ->required();
    app.add_option("--listen", config.listen_path, "Where a restarted sfd connects");
    app.add_flag("--keep", config.keep, "Keep the containers while sfd is away (needs --listen)");
    CLI11_PARSE(app, argc, argv);
    return sf::host::ContainerMonitor(config).run();
}
