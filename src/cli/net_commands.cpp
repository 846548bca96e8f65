// sfctl net create NAME --subnet CIDR, sfctl net list [-o json],
// sfctl net info NAME [-o json], sfctl net rm NAME...
//
// The networks of sfd that guests join with `sfctl create --net NAME`.
// create and rm are silent on success; rm goes on past a network it cannot
// remove, reports each failure on its own line and exits 1 if any failed.
#include "cli/client_commands.h"
#include "cli/network_format.h"

#include <fmt/format.h>

#include <memory>

namespace sf::cli {
namespace {

struct NetOptions {
    std::string name;
    std::vector<std::string> names; // rm
    std::string subnet;
    std::string output = "table";
};

void print_json(const nlohmann::json& value) {
    fmt::print("{}\n", value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

int create(const ClientOptions& client_options, const NetOptions& options) {
    return with_client("net create", client_options, [&](SfdClient& client) {
        auto network = client.create_network(options.name, options.subnet);
        return network ? 0 : report_failure("net create", network.error().message);
    });
}

int list(const ClientOptions& client_options, const NetOptions& options) {
    return with_client("net list", client_options, [&](SfdClient& client) {
        auto networks = client.list_networks();
        if (!networks) return report_failure("net list", networks.error().message);
        if (options.output == "json")
            print_json(*networks);
        else
            fmt::print("{}", format_network_table(*networks));
        return 0;
    });
}

int info(const ClientOptions& client_options, const NetOptions& options) {
    return with_client("net info", client_options, [&](SfdClient& client) {
        auto network = client.network_info(options.name);
        if (!network) return report_failure("net info", network.error().message);
        if (options.output == "json")
            print_json(*network);
        else
            fmt::print("{}", format_network_info(*network));
        return 0;
    });
}

int remove(const ClientOptions& client_options, const NetOptions& options) {
    return with_client("net rm", client_options, [&](SfdClient& client) {
        int code = 0;
        for (const std::string& name : options.names) {
            auto removed = client.remove_network(name);
            if (!removed) code = report_failure("net rm", removed.error().message);
        }
        return code;
    });
}

// Runs `run` with the command's options when the command is given.
void on_run(CLI::App* cmd, const ClientOptions& client_options, int& exit_code,
            const std::shared_ptr<NetOptions>& options, int (*run)(const ClientOptions&, const NetOptions&)) {
    cmd->callback([&client_options, &exit_code, options, run] { exit_code = run(client_options, *options); });
}

void add_create(CLI::App& net, const ClientOptions& client_options, int& exit_code) {
    auto options = std::make_shared<NetOptions>();
    CLI::App* cmd = net.add_subcommand("create", "Create a network; its first address is the host's");
    cmd->add_option("name", options->name, "Network name: 1-15 of A-Z a-z 0-9 . _ - (its uplink interface)")
        ->required();
    cmd->add_option("--subnet", options->subnet, "Its IPv4 subnet, e.g. 10.0.0.0/24 (/8 to /30)")->required();
    on_run(cmd, client_options, exit_code, options, create);
}

void add_list(CLI::App& net, const ClientOptions& client_options, int& exit_code) {
    auto options = std::make_shared<NetOptions>();
    CLI::App* cmd = net.add_subcommand("list", "List the networks: NAME SUBNET HOST-ADDRESS GUESTS");
    cmd->add_option("-o,--output", options->output, "Output format")->check(CLI::IsMember({"table", "json"}));
    on_run(cmd, client_options, exit_code, options, list);
}

void add_info(CLI::App& net, const ClientOptions& client_options, int& exit_code) {
    auto options = std::make_shared<NetOptions>();
    options->output = "text";
    CLI::App* cmd = net.add_subcommand("info", "Show a network's fields and switch counters");
    cmd->add_option("name", options->name, "Network name")->required();
    cmd->add_option("-o,--output", options->output, "Output format")->check(CLI::IsMember({"text", "json"}));
    on_run(cmd, client_options, exit_code, options, info);
}

void add_rm(CLI::App& net, const ClientOptions& client_options, int& exit_code) {
    auto options = std::make_shared<NetOptions>();
    CLI::App* cmd = net.add_subcommand("rm", "Remove networks (refused while guests are on them)");
    cmd->add_option("names", options->names, "Network names")->required();
    on_run(cmd, client_options, exit_code, options, remove);
}

} // namespace

void add_net_command(CLI::App& app, const ClientOptions& client_options, int& exit_code) {
    CLI::App* net = app.add_subcommand("net", "Manage sfd's guest networks: create, list, info, rm");
    net->require_subcommand(1);
    add_create(*net, client_options, exit_code);
    add_list(*net, client_options, exit_code);
    add_info(*net, client_options, exit_code);
    add_rm(*net, client_options, exit_code);
}

} // namespace sf::cli
