// sf-hostnet: the apps; see hostnet_apps.h. The objects are the guests'
// own classes (guest/net/apps, built into sfnet-host).
#include "bench/net/hostnet_apps.h"

#include "sf/net/http_server.h"
#include "sf/net/udp_echo.h"

#include <memory>

namespace sf::bench {

std::vector<HostApp> make_host_apps() {
    auto echo = std::make_shared<net::UdpEcho>();
    auto http = std::make_shared<net::HttpServer>();
    return {
        HostApp{"udp-echo", [echo](net::Stack& stack) { return echo->start(stack); },
                [echo] { echo->service(); }},
        HostApp{"http", [http](net::Stack& stack) { return http->start(stack); },
                [http] { http->service(); }},
    };
}

std::string host_app_names() {
    return "icmp-echo udp-echo:7 http:80";
}

} // namespace sf::bench
