// sfctl: the superfluid client. Subcommands live one per file: `run` boots a
// guest in this process; the others talk to sfd (client_commands.h).
#include "cli/client_commands.h"
#include "cli/run_command.h"

#include <CLI/CLI.hpp>

#include <csignal>

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN); // a closed stdout or a vanished sfd is an error to report, not a kill
    CLI::App app{"sfctl: control superfluid guests"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "sfctl 0.1");
    int exit_code = 0;
    sf::cli::ClientOptions client;
    sf::cli::add_client_options(app, client);
    sf::cli::add_run_command(app, exit_code);
    sf::cli::add_create_command(app, client, exit_code);
    sf::cli::add_lifecycle_commands(app, client, exit_code);
    sf::cli::add_list_command(app, client, exit_code);
    sf::cli::add_info_command(app, client, exit_code);
    sf::cli::add_logs_command(app, client, exit_code);
    sf::cli::add_console_command(app, client, exit_code);
    sf::cli::add_net_command(app, client, exit_code);
    sf::cli::add_transfer_commands(app, client, exit_code);
    sf::cli::add_token_command(app, client, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2; // usage errors
    }
    return exit_code;
}
