// sfctl save NAME FILE [--keep], sfctl restore FILE [--name N] [--paused],
// sfctl migrate NAME HOST[:PORT]  (docs/migration.md)
//
// Each prints one line on success (or the answer as JSON with -o json).
// FILE is a name in sfd's --snapshot-dir (or that directory's path, '/' and
// the name): sfd reads and writes snapshots there only.
#include "cli/client_commands.h"

#include <fmt/format.h>

#include <memory>

namespace sf::cli {
namespace {

struct TransferOptions {
    std::string ref, file, name, to, output = "text";
    bool keep = false, paused = false;
};

int print(const nlohmann::json& answer, const std::string& output, const std::string& line) {
    if (output == "json")
        fmt::print("{}\n", answer.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    else
        fmt::print("{}\n", line);
    return 0;
}

double number(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

int save(const ClientOptions& options, const TransferOptions& o) {
    return with_client("save", options, [&](SfdClient& client) {
        auto answer = client.act(o.ref, "save", {{"file", o.file}, {"keep", o.keep}});
        if (!answer) return report_failure("save", answer.error().message);
        return print(*answer, o.output,
                     fmt::format("saved {} to {} ({} pages, {:.1f} MiB, {:.1f} ms){}", o.ref,
                                 answer->value("file", o.file), number(*answer, "pages"),
                                 number(*answer, "bytes") / (1 << 20), number(*answer, "ms"),
                                 o.keep ? "; it runs on" : ""));
    });
}

int restore(const ClientOptions& options, const TransferOptions& o) {
    return with_client("restore", options, [&](SfdClient& client) {
        nlohmann::json body = {{"file", o.file}, {"start", !o.paused}};
        if (!o.name.empty()) body["name"] = o.name;
        auto answer = client.restore(body);
        if (!answer) return report_failure("restore", answer.error().message);
        return print(*answer, o.output,
                     fmt::format("restored {} (id {}, {})", answer->value("name", "?"), number(*answer, "id"),
                                 answer->value("state", "?")));
    });
}

int migrate(const ClientOptions& options, const TransferOptions& o) {
    return with_client("migrate", options, [&](SfdClient& client) {
        auto answer = client.act(o.ref, "migrate", {{"to", o.to}});
        if (!answer) return report_failure("migrate", answer.error().message);
        const double followed = number(answer->value("phases", nlohmann::json::object()), "frames_forwarded");
        return print(
            *answer, o.output,
            fmt::format("migrated {} to {} in {:.2f} ms (downtime {:.2f} ms, {:.1f} KiB, {} rounds{})", o.ref,
                        answer->value("to", o.to), number(*answer, "total_ms"),
                        number(*answer, "downtime_ms"), number(*answer, "bytes_sent") / 1024,
                        number(*answer, "rounds"),
                        followed > 0 ? fmt::format(", {} frames followed it", followed) : ""));
    });
}

void add_output(CLI::App* cmd, TransferOptions& o) {
    cmd->add_option("-o,--output", o.output, "Output format")->check(CLI::IsMember({"text", "json"}));
}

} // namespace

void add_transfer_commands(CLI::App& app, const ClientOptions& options, int& exit_code) {
    auto o = std::make_shared<TransferOptions>();
    CLI::App* save_cmd = app.add_subcommand(
        "save", "Save a guest to a snapshot file (memory, vCPU, NIC, console, its store data); "
                "the guest is then destroyed unless --keep");
    save_cmd->add_option("name", o->ref, "Guest name or id")->required();
    save_cmd
        ->add_option("file", o->file,
                     "Snapshot file to write, a name in sfd's --snapshot-dir (replaced if it exists)")
        ->required();
    save_cmd->add_flag("--keep", o->keep, "Leave the guest running after saving it");
    add_output(save_cmd, *o);
    save_cmd->callback([&options, &exit_code, o] { exit_code = save(options, *o); });

    CLI::App* restore_cmd = app.add_subcommand(
        "restore",
        "Restore a guest from a snapshot file: it carries on where it was saved, with its MAC and IP");
    restore_cmd
        ->add_option("file", o->file, "Snapshot file written by sfctl save, a name in sfd's --snapshot-dir")
        ->required();
    restore_cmd->add_option("--name", o->name, "Name for the restored guest (default: the saved one)");
    restore_cmd->add_flag("--paused", o->paused, "Leave it paused (sfctl resume starts it)");
    add_output(restore_cmd, *o);
    restore_cmd->callback([&options, &exit_code, o] { exit_code = restore(options, *o); });

    CLI::App* migrate_cmd = app.add_subcommand(
        "migrate",
        "Move a running guest to the sfd on another host (started with --migrate-listen and the "
        "same --migrate-token-file; one of this sfd's --migrate-peer); on any failure it keeps running here");
    migrate_cmd->add_option("name", o->ref, "Guest name or id")->required();
    migrate_cmd->add_option("host", o->to, "The receiving sfd, HOST[:PORT] (default port 7440)")->required();
    add_output(migrate_cmd, *o);
    migrate_cmd->callback([&options, &exit_code, o] { exit_code = migrate(options, *o); });
}

} // namespace sf::cli
