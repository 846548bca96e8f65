// sfctl token create NAME, sfctl token ls [-o json], sfctl token revoke NAME
//
// The bearer tokens TCP clients of sfd need (sfd --listen). sfd manages them
// on its unix socket only, so these run as the user who may open it. create
// prints the secret once, on stdout, alone on its line (so that
// `sfctl token create orch > orch.token` makes a --token-file); sfd keeps
// only its SHA-256.
#include "cli/client_commands.h"
#include "cli/text_layout.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>
#include <memory>

namespace sf::cli {
namespace {

struct TokenOptions {
    std::string name;
    std::string output = "table";
};

std::string created_text(const nlohmann::json& token) {
    const auto it = token.find("created");
    if (it == token.end() || !it->is_number_integer()) return "?";
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(static_cast<std::time_t>(it->get<int64_t>())));
}

int create(const ClientOptions& client_options, const TokenOptions& options) {
    return with_client("token create", client_options, [&](SfdClient& client) {
        auto created = client.create_token(options.name);
        if (!created) return report_failure("token create", created.error().message);
        fmt::print("{}\n", created->value("token", ""));
        fmt::print(stderr,
                   "sfctl token create: token '{}' made; it is shown this once (sfd keeps only its hash): "
                   "give it to the client as --token-file FILE or $SF_TOKEN\n",
                   options.name);
        return 0;
    });
}

int list(const ClientOptions& client_options, const TokenOptions& options) {
    return with_client("token ls", client_options, [&](SfdClient& client) {
        auto tokens = client.list_tokens();
        if (!tokens) return report_failure("token ls", tokens.error().message);
        if (options.output == "json") {
            fmt::print("{}\n", tokens->dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
            return 0;
        }
        std::vector<TableRow> rows{{"NAME", "CREATED", "SHA256"}};
        for (const nlohmann::json& token : *tokens)
            rows.push_back(
                {token.value("name", "?"), created_text(token), token.value("sha256_prefix", "?") + "..."});
        fmt::print("{}", render_table(rows));
        return 0;
    });
}

int revoke(const ClientOptions& client_options, const TokenOptions& options) {
    return with_client("token revoke", client_options, [&](SfdClient& client) {
        auto revoked = client.revoke_token(options.name);
        return revoked ? 0 : report_failure("token revoke", revoked.error().message);
    });
}

void on_run(CLI::App* cmd, const ClientOptions& client_options, int& exit_code,
            const std::shared_ptr<TokenOptions>& options,
            int (*run)(const ClientOptions&, const TokenOptions&)) {
    cmd->callback([&client_options, &exit_code, options, run] { exit_code = run(client_options, *options); });
}

} // namespace

void add_token_command(CLI::App& app, const ClientOptions& client_options, int& exit_code) {
    CLI::App* token =
        app.add_subcommand("token", "Manage the API tokens of sfd's TCP listener: create, ls, revoke "
                                    "(on sfd's unix socket only)");
    token->require_subcommand(1);
    auto create_options = std::make_shared<TokenOptions>();
    CLI::App* create_cmd = token->add_subcommand("create", "Make a token; prints its secret once, on stdout");
    create_cmd->add_option("name", create_options->name, "Token name: A-Z a-z 0-9 . _ - (who holds it)")
        ->required();
    on_run(create_cmd, client_options, exit_code, create_options, create);
    auto list_options = std::make_shared<TokenOptions>();
    CLI::App* list_cmd =
        token->add_subcommand("ls", "List the tokens: NAME CREATED SHA256 (a prefix of the hash)");
    list_cmd->add_option("-o,--output", list_options->output, "Output format")
        ->check(CLI::IsMember({"table", "json"}));
    on_run(list_cmd, client_options, exit_code, list_options, list);
    auto revoke_options = std::make_shared<TokenOptions>();
    CLI::App* revoke_cmd =
        token->add_subcommand("revoke", "Delete a token: requests with it are refused at once");
    revoke_cmd->add_option("name", revoke_options->name, "Token name")->required();
    on_run(revoke_cmd, client_options, exit_code, revoke_options, revoke);
}

} // namespace sf::cli
