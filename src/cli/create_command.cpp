// sfctl create IMAGE [--name N] [--mem SIZE] [--cmdline ARGS] [--net NAME [--ip ADDR]] [--no-start] [--wait]
// sfctl create --kind container (--bundle DIR | --rootfs DIR) [--mem M] [--pids N] [...] [-- CMD ARGS...]
//
// Creates a guest on sfd (and starts it, unless --no-start); prints its id.
// Paths (image, bundle, rootfs) are made absolute here: sfd runs in another directory.
#include "cli/client_commands.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sf::cli {
namespace {

struct CreateOptions {
    std::string kind = "vm";
    std::string image;
    std::string bundle;
    std::string rootfs;
    uint64_t pids = 0;
    std::vector<std::string> operands; // a VM's image, or a container's command and arguments
    std::vector<std::string> args;
    std::string name;
    std::string mem;
    std::string cmdline;
    std::string net;
    std::string ip;
    bool no_start = false;
    bool wait = false;
};

std::string absolute(const std::string& path) {
    return std::filesystem::absolute(path).lexically_normal().string();
}

nlohmann::json request_body(const CreateOptions& options, CLI::App& command) {
    nlohmann::json body{
        {"start", !options.no_start},
        {"wait", options.wait ? "output" : "none"},
    };
    if (command.count("--kind")) body["kind"] = options.kind;
    if (!options.image.empty()) body["image"] = absolute(options.image);
    if (command.count("--bundle")) body["bundle"] = absolute(options.bundle);
    if (command.count("--rootfs")) body["rootfs"] = absolute(options.rootfs);
    if (command.count("--pids")) body["pids"] = options.pids;
    if (!options.args.empty()) body["args"] = options.args;
    if (command.count("--name")) body["name"] = options.name;
    if (command.count("--mem")) body["mem"] = options.mem;
    if (command.count("--cmdline")) body["cmdline"] = options.cmdline;
    if (command.count("--net")) body["net"] = options.net;
    if (command.count("--ip")) body["ip"] = options.ip;
    return body;
}

// The fields each kind takes, checked here so that a mistake reads as sfctl's options, not the API's fields.
std::optional<std::string> misuse(const CreateOptions& options, CLI::App& command) {
    const bool container = options.kind == "container";
    if (!container && options.image.empty()) return "an IMAGE is required (or --kind container)";
    if (container && !options.image.empty())
        return "a container takes no IMAGE: give --bundle DIR or --rootfs DIR (and -- CMD ARGS)";
    if (container && command.count("--bundle") == command.count("--rootfs"))
        return "a container needs exactly one of --bundle DIR and --rootfs DIR";
    if (container && command.count("--cmdline"))
        return "--cmdline is for VMs: give a container's command after --";
    if (!container && (command.count("--bundle") || command.count("--rootfs") || command.count("--pids")))
        return "--bundle, --rootfs and --pids need --kind container";
    return std::nullopt;
}

int create(const ClientOptions& client_options, const CreateOptions& given, CLI::App& command) {
    CreateOptions options = given;
    if (options.kind == "container")
        options.args = options.operands;
    else if (options.operands.size() > 1)
        return fmt::print(stderr, "sfctl create: a VM takes one IMAGE (its arguments: --cmdline)\n"), 2;
    else if (options.operands.size() == 1)
        options.image = options.operands.front();
    if (std::optional<std::string> wrong = misuse(options, command)) {
        fmt::print(stderr, "sfctl create: {}\n", *wrong);
        return 2;
    }
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
    cmd->add_option(
        "operands", options->operands,
        "A VM's IMAGE (static x86-64 ELF); a container's CMD ARGS... (after --; default /bin/sh)");
    cmd->add_option("--kind", options->kind,
                    "vm (default): IMAGE in a worker; container: an OCI container run by sfd's OCI runtime")
        ->check(CLI::IsMember({"vm", "container"}));
    cmd->add_option("--bundle", options->bundle, "A container's OCI bundle directory (its config.json)");
    cmd->add_option(
        "--rootfs", options->rootfs,
        "A container's root filesystem directory (sfd writes the bundle: user namespace, seccomp, "
        "read-only root)");
    cmd->add_option("--pids", options->pids, "A container's pid limit (default 64)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--name", options->name, "Guest name, unique on the host (default: guest-ID)");
    cmd->add_option("--mem", options->mem,
                    "Guest memory, e.g. 4M, 64MiB (default 4M); a container's memory limit (default 64M)");
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
