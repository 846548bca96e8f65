// sf-bench all: every benchmark at one size, one JSON document.
//
// Runs this binary's own subcommands one after the other as child processes
// (`sf-bench NAME --json ...`: each as a user would run it, its progress on
// our stderr, its JSON read from its stdout), then prints the document of
// all_document.h: the machine, the commit, the date and every figure.
// Benchmarks that need root (net, migrate) are skipped, and say so, when not
// root; one that fails is in the document with its status and error, and
// makes the exit status 1. Sizes: quick (the default: a few minutes in all)
// and smoke (seconds; a test of the harness, not a measurement).
// bench/compare.py compares two such documents.
#pragma once

#include <CLI/CLI.hpp>

namespace sf::bench {

void add_all_command(CLI::App& app, int& exit_code);

} // namespace sf::bench
