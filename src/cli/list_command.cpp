// sfctl list [-o json]: the guests on sfd, as a table or as the JSON array.
#include "cli/client_commands.h"
#include "cli/guest_format.h"

#include <fmt/format.h>

#include <memory>

namespace sf::cli {
namespace {

int list(const ClientOptions& options, const std::string& output) {
    return with_client("list", options, [&](SfdClient& client) {
        auto guests = client.list();
        if (!guests) return report_failure("list", guests.error().message);
        if (output == "json")
            fmt::print("{}\n", guests->dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
        else
            fmt::print("{}", format_guest_table(*guests, std::chrono::system_clock::now()));
        return 0;
    });
}

} // namespace

void add_list_command(CLI::App& app, const ClientOptions& options, int& exit_code) {
    auto output = std::make_shared<std::string>("table");
    CLI::App* cmd = app.add_subcommand("list", "List the guests on sfd");
    cmd->add_option("-o,--output", *output, "Output format")->check(CLI::IsMember({"table", "json"}));
    cmd->callback([&options, &exit_code, output] { exit_code = list(options, *output); });
}

} // namespace sf::cli
