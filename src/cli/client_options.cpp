// sfctl: the options and helpers shared by the client commands.
#include "cli/client_commands.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>

namespace sf::cli {

void add_client_options(CLI::App& app, ClientOptions& options) {
    app.fallthrough(); // so that `sfctl list --socket X` works like `sfctl --socket X list`
    app.add_option("--socket", options.socket,
                   fmt::format("sfd's unix socket (default {})", DaemonAddress::kDefaultSocket))
        ->envname("SF_SOCKET");
    app.add_option("--host", options.host,
                   "sfd's TCP address, HOST:PORT (as sfd --listen); wins over --socket. Needs a token "
                   "(--token-file or $SF_TOKEN)");
    app.add_option("--ca", options.ca_file,
                   "With --host: talk TLS 1.3, checking sfd's certificate against this CA (PEM)")
        ->envname("SF_CA");
    app.add_option(
           "--token-file", options.token_file,
           "With --host: a file whose first line is the API token (sfctl token create); or set $SF_TOKEN")
        ->envname("SF_TOKEN_FILE");
}

// The token for TCP: the first line of --token-file, else $SF_TOKEN, else none.
Result<std::string> read_token(const ClientOptions& options) {
    if (options.token_file.empty()) {
        const char* token = std::getenv("SF_TOKEN");
        return std::string(token ? token : "");
    }
    std::ifstream in(options.token_file);
    std::string line;
    if (!in || !std::getline(in, line))
        return error(ErrorKind::InvalidArgument, "--token-file {}: cannot read a token from it",
                     options.token_file);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
        line.pop_back();
    return line;
}

Result<SfdClient> open_client(const ClientOptions& options) {
    SF_TRY_ASSIGN(DaemonAddress address, DaemonAddress::resolve(options.socket, options.host));
    ClientCredentials credentials;
    if (address.socket_path.empty()) {
        credentials.ca_file = options.ca_file;
        SF_TRY_ASSIGN(credentials.token, read_token(options));
        // sfd serves plain HTTP on loopback only: elsewhere the token would go in clear to whoever answers.
        const bool loopback = address.host.starts_with("127.") || address.host == "localhost";
        if (!loopback && credentials.ca_file.empty())
            return error(ErrorKind::InvalidArgument,
                         "--host {}: not loopback, so TLS: give --ca FILE (or $SF_CA)", address.to_string());
    }
    return SfdClient::open(address, credentials);
}

int report_failure(std::string_view command, std::string_view message) {
    fmt::print(stderr, "sfctl {}: {}\n", command, message);
    return 1;
}

int with_client(std::string_view command, const ClientOptions& options,
                const std::function<int(SfdClient& client)>& body) {
    auto client = open_client(options);
    if (!client) return report_failure(command, client.error().message);
    return body(*client);
}

} // namespace sf::cli
