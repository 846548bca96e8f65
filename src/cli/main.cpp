// sfctl: the superfluid client. Subcommands live one per file.
#include "cli/run_command.h"

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
    CLI::App app{"sfctl: control superfluid guests"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "sfctl 0.1");
    int exit_code = 0;
    sf::cli::add_run_command(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2; // usage errors
    }
    return exit_code;
}
