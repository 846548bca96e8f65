// sf-bench: superfluid's benchmarks. One folder per benchmark, each adding its subcommand.
#include "bench/all/all_bench.h"
#include "bench/boot/boot_bench.h"
#include "bench/hypercall/hypercall_bench.h"
#include "bench/migrate/migrate_bench.h"
#include "bench/net/net_bench.h"
#include "bench/store/store_bench.h"
#include "bench/storm/storm_bench.h"

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
    CLI::App app{"sf-bench: superfluid benchmarks (medians, with a baseline measured in the same run)"};
    app.require_subcommand(1);
    int exit_code = 0;
    sf::bench::add_boot_command(app, exit_code);
    sf::bench::add_hypercall_command(app, exit_code);
    sf::bench::add_storm_command(app, exit_code);
    sf::bench::add_net_command(app, exit_code);
    sf::bench::add_store_command(app, exit_code);
    sf::bench::add_migrate_command(app, exit_code);
    sf::bench::add_all_command(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    return exit_code;
}
