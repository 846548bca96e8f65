// sfctl: the `run` subcommand (one guest in the foreground).
#pragma once

#include <CLI/CLI.hpp>

namespace sf::cli {

// Adds `run` to the app; the handler sets `exit_code` when it runs.
void add_run_command(CLI::App& app, int& exit_code);

} // namespace sf::cli
