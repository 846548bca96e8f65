// sfctl info NAME [-o json], sfctl info --host [-o json]
//
// A guest's fields, or the host's (workers, shell pool, guest counts), as
// "key: value" lines or as JSON. `info` has its own --host: alone it asks for
// the host's info; with a value it is the global --host HOST:PORT, so that
// `sfctl info web --host 127.0.0.1:8080` still works.
#include "cli/client_commands.h"
#include "cli/guest_format.h"

#include <fmt/format.h>

#include <memory>

namespace sf::cli {
namespace {

struct InfoOptions {
    std::string ref;
    std::vector<std::string> host; // given: {""} for the flag, {"HOST:PORT"} for an address
    std::string output = "text";
};

int print(const Result<nlohmann::json>& answer, bool host, const std::string& output) {
    if (!answer) return report_failure("info", answer.error().message);
    if (output == "json")
        fmt::print("{}\n", answer.value().dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    else
        fmt::print("{}", host ? format_host_info(answer.value()) : format_guest_info(answer.value()));
    return 0;
}

int info(ClientOptions client_options, const InfoOptions& options) {
    const bool host_info = !options.host.empty() && options.ref.empty();
    if (!options.host.empty() && !options.host.front().empty()) client_options.host = options.host.front();
    if (options.ref.empty() && !host_info) throw CLI::ValidationError("info", "give a guest NAME, or --host");
    if (options.host == std::vector<std::string>{""} && !options.ref.empty())
        throw CLI::ValidationError("info", "give a guest NAME or --host, not both");
    return with_client("info", client_options, [&](SfdClient& client) {
        return host_info ? print(client.host_info(), true, options.output)
                         : print(client.info(options.ref), false, options.output);
    });
}

} // namespace

void add_info_command(CLI::App& app, const ClientOptions& client_options, int& exit_code) {
    auto options = std::make_shared<InfoOptions>();
    CLI::App* cmd = app.add_subcommand("info", "Show a guest's fields, or the host's with --host");
    cmd->add_option("name", options->ref, "Guest name or id");
    cmd->add_option("--host", options->host,
                    "The host's info (workers, pool, guests); with HOST:PORT, sfd's address")
        ->expected(0, 1)
        ->allow_extra_args(false);
    cmd->add_option("-o,--output", options->output, "Output format")->check(CLI::IsMember({"text", "json"}));
    cmd->callback([&client_options, &exit_code, options] { exit_code = info(client_options, *options); });
}

} // namespace sf::cli
