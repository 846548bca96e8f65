// sfctl: the options and helpers shared by the client commands.
#include "cli/client_commands.h"

#include <fmt/format.h>

namespace sf::cli {

void add_client_options(CLI::App& app, ClientOptions& options) {
    app.fallthrough(); // so that `sfctl list --socket X` works like `sfctl --socket X list`
    app.add_option("--socket", options.socket,
                   fmt::format("sfd's unix socket (default {})", DaemonAddress::kDefaultSocket))
        ->envname("SF_SOCKET");
    app.add_option("--host", options.host,
                   "sfd's TCP address, HOST:PORT (as sfd --listen 127.0.0.1:PORT); wins over --socket");
}

Result<SfdClient> open_client(const ClientOptions& options) {
    SF_TRY_ASSIGN(DaemonAddress address, DaemonAddress::resolve(options.socket, options.host));
    return SfdClient::open(address);
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
