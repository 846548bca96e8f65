// sfctl logs NAME: the guest's console ring (its latest output) on stdout.
#include "cli/client_commands.h"

#include <cstdio>
#include <memory>

namespace sf::cli {
namespace {

int logs(const ClientOptions& options, const std::string& ref) {
    return with_client("logs", options, [&](SfdClient& client) {
        auto text = client.logs(ref);
        if (!text) return report_failure("logs", text.error().message);
        std::fwrite(text->data(), 1, text->size(), stdout);
        return std::fflush(stdout) == 0 ? 0 : report_failure("logs", "cannot write to stdout");
    });
}

} // namespace

void add_logs_command(CLI::App& app, const ClientOptions& options, int& exit_code) {
    auto ref = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("logs", "Print a guest's console ring (its latest output)");
    cmd->add_option("name", *ref, "Guest name or id")->required();
    cmd->callback([&options, &exit_code, ref] { exit_code = logs(options, *ref); });
}

} // namespace sf::cli
