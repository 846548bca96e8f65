// sf-bench boot: request-to-first-output of a guest against fork+exec and
// posix_spawn of a static host program, in one process, interleaved.
#pragma once

#include <CLI/CLI.hpp>

namespace sf::bench {

void add_boot_command(CLI::App& app, int& exit_code);

} // namespace sf::bench
