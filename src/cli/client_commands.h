// sfctl: the subcommands that talk to sfd, one file each (create_command.cpp,
// lifecycle_commands.cpp, list_command.cpp, info_command.cpp,
// logs_command.cpp, console_command.cpp, net_commands.cpp,
// transfer_commands.cpp, token_commands.cpp), and what they share.
//
// Every command reports a failure as one line on stderr, "sfctl CMD: message",
// and sets the exit code to 1; usage errors are CLI11's (exit 2, in main).
#pragma once

#include "cli/client.h"

#include <CLI/CLI.hpp>

namespace sf::cli {

// The global options (--socket PATH or $SF_SOCKET, --host HOST:PORT, and for
// TCP --ca FILE or $SF_CA, --token-file FILE or $SF_TOKEN_FILE, or the token
// itself in $SF_TOKEN), valid before or after the subcommand (the app falls
// through to them).
struct ClientOptions {
    std::string socket;
    std::string host;
    std::string ca_file;
    std::string token_file;
};

void add_client_options(CLI::App& app, ClientOptions& options);

void add_create_command(CLI::App& app, const ClientOptions& options, int& exit_code);
void add_lifecycle_commands(CLI::App& app, const ClientOptions& options,
                            int& exit_code); // start pause resume destroy
void add_list_command(CLI::App& app, const ClientOptions& options, int& exit_code);
void add_info_command(CLI::App& app, const ClientOptions& options, int& exit_code);
void add_logs_command(CLI::App& app, const ClientOptions& options, int& exit_code);
void add_console_command(CLI::App& app, const ClientOptions& options, int& exit_code);
void add_transfer_commands(CLI::App& app, const ClientOptions& options,
                           int& exit_code);                                        // save restore migrate
void add_net_command(CLI::App& app, const ClientOptions& options, int& exit_code); // net create|list|info|rm
void add_token_command(CLI::App& app, const ClientOptions& options, int& exit_code); // token create|ls|revoke

// A client for the daemon the options name.
Result<SfdClient> open_client(const ClientOptions& options);
// Prints "sfctl COMMAND: message" on stderr; returns 1, the exit code of a failed command.
int report_failure(std::string_view command, std::string_view message);
// Runs `body` with a client; a failure to make one is reported for `command`.
int with_client(std::string_view command, const ClientOptions& options,
                const std::function<int(SfdClient& client)>& body);

} // namespace sf::cli
