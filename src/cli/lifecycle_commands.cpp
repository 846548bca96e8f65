// sfctl start|pause|resume NAME, sfctl destroy NAME...
//
// Silent on success. destroy goes on past a guest it cannot destroy, reports
// each failure on its own line and exits 1 if any failed.
#include "cli/client_commands.h"

#include <memory>

namespace sf::cli {
namespace {

int act(const ClientOptions& options, const std::string& action, const std::string& ref) {
    return with_client(action, options, [&](SfdClient& client) {
        auto guest = client.act(ref, action);
        return guest ? 0 : report_failure(action, guest.error().message);
    });
}

int destroy(const ClientOptions& options, const std::vector<std::string>& refs) {
    return with_client("destroy", options, [&](SfdClient& client) {
        int code = 0;
        for (const std::string& ref : refs) {
            auto destroyed = client.destroy(ref);
            if (!destroyed) code = report_failure("destroy", destroyed.error().message);
        }
        return code;
    });
}

void add_action(CLI::App& app, const ClientOptions& options, int& exit_code, const std::string& action,
                const std::string& help) {
    auto ref = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand(action, help);
    cmd->add_option("name", *ref, "Guest name or id")->required();
    cmd->callback([&options, &exit_code, action, ref] { exit_code = act(options, action, *ref); });
}

} // namespace

void add_lifecycle_commands(CLI::App& app, const ClientOptions& options, int& exit_code) {
    add_action(app, options, exit_code, "start", "Start a guest created with --no-start");
    add_action(app, options, exit_code, "pause", "Pause a running guest");
    add_action(app, options, exit_code, "resume", "Resume a paused guest");
    auto refs = std::make_shared<std::vector<std::string>>();
    CLI::App* cmd = app.add_subcommand("destroy", "Stop guests and free everything they hold");
    cmd->add_option("names", *refs, "Guest names or ids")->required();
    cmd->callback([&options, &exit_code, refs] { exit_code = destroy(options, *refs); });
}

} // namespace sf::cli
