// superfluid sample guest: httpd.
//
// HTTP/1.1 on port 80 of NIC 0 (GET / and GET /stats; see
// sf/net/http_server.h). Prints "httpd: listening on IP:80" once, then
// serves for ever, waiting only in poll.
#include "sf/libc.h"
#include "sf/net/http_server.h"
#include "sf/net/netif.h"

int main() {
    sf::net::NetIf& net = sf::net::NetIf::boot("httpd");
    static sf::net::HttpServer app;
    if (!app.start(net.stack())) {
        printf("httpd: cannot listen on port %u\n", sf::net::HttpServer::kPort);
        return 1;
    }
    char ip[16];
    sf::net::ip_to_text(net.ip(), ip, sizeof ip);
    printf("httpd: listening on %s:%u\n", ip, sf::net::HttpServer::kPort);
    for (;;) {
        net.run_once(UINT64_MAX);
        app.service();
    }
}
