// sfctl create IMAGE [--name N] [--mem SIZE] [--cmdline ARGS] [--net NAME [--ip ADDR]] [--no-start] [--wait]
//
// Creates a guest on sfd (and starts it, unless --no-start); prints its id.
// The image path is made absolute here: sfd runs in another directory.
#include "cli/client_commands.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>

namespace sf::cli {
namespace {

struct CreateOptions {
    std::string image;
    std::string name;
    std::string mem;
    std::string cmdline;
    std::string net;
    std::string ip;
    bool no_start = false;
    bool wait = false;
};

nlohmann::json request_body(const CreateOptions& options, CLI::App& command) {
    nlohmann::json body{
        {"image", std::filesystem::absolute(options.image).lexically_normal().string()},
        {"start", !options.no_start},
        {"wait", options.wait ? "output" : "none"},
    };
    if (command.count("--name")) body["name"] = options.name;
    if (command.count("--mem")) body["mem"] = options.mem;
    if (command.count("--cmdline")) body["cmdline"] = options.cmdline;
    if (command.count("--net")) body["net"] = options.net;
    if (command.count("--ip")) body["ip"] = options.ip;
    return body;
}

int create(const ClientOptions& client_options, const CreateOptions& options, CLI::App& command) {
    return with_client("create", client_options, [&](SfdClient& client) {
        auto guest = client.create(request_body(options, command));
        if (!guest) return report_failure("create", guest.error().message);
        fmt::print("{}\n", guest->value("id", nlohmann::json()).dump());
        return 0;
    });
}

} // namespace

void add_create_command(CLI::App& app, const ClientOptions& client_options, int& exit_code) {
    auto options = std::make_shared<CreateOptions>();
    CLI::App* cmd = app.add_subcommand("create", "Create a guest on sfd and start it; prints its id");
    cmd->add_option("image", options->image, "Guest image (static x86-64 ELF)")->required();
    cmd->add_option("--name", options->name, "Guest name, unique on the host (default: guest-ID)");
    cmd->add_option("--mem", options->mem, "Guest memory, e.g. 4M, 64MiB (default 4M)");
    cmd->add_option("--cmdline", options->cmdline, "Command line passed to the guest");
    CLI::Option* net =
        cmd->add_option("--net", options->net, "Give it a NIC on this network (see `sfctl net create`)");
    cmd->add_option("--ip", options->ip, "Its address on --net (default: the network's next free one)")
        ->needs(net);
    cmd->add_flag("--no-start", options->no_start, "Create it stopped (start it with `sfctl start`)");
    cmd->add_flag("--wait", options->wait, "Return once the guest has written its first console output")
        ->excludes("--no-start");
    cmd->callback(
        [&client_options, options, &exit_code, cmd] { exit_code = create(client_options, *options, *cmd); });
}

} // namespace sf::cli
