// superfluid sample guest: httpd.
//
// HTTP/1.1 on port 80 of NIC 0 (GET / and GET /stats; see
// sf/net/http_server.h). The page GET / serves is the store key data/page
// (/local/domain/<id>/data/page, at most 512 bytes) when it exists, the
// built-in page otherwise; httpd watches the key, so a new value is served
// from the next request after its watch event arrives (removing the key
// brings the built-in page back). Without a store (sfctl run, or sfd without
// one) it serves the built-in page. Prints "httpd: listening on IP:80" once
// (after "httpd: page from the store (N bytes)" when it found one), then
// serves for ever, waiting only in poll.
#include "sf/hypercall.h"
#include "sf/libc.h"
#include "sf/net/http_server.h"
#include "sf/net/netif.h"

namespace {

const char kPageKey[] = "data/page";
const char kToken[] = "page";

sf::net::HttpServer app;
char page[sf::net::HttpServer::kPageMax + 1];

// Serves data/page if the store has it (and it fits), the built-in page otherwise.
int64_t load_page() {
    const int64_t n = sf_store_read(kPageKey, page, sizeof page);
    app.set_page(n >= 0 ? page : nullptr, n >= 0 ? static_cast<size_t>(n) : 0);
    if (n == -SF_ERANGE)
        printf("httpd: data/page is over %zu bytes: serving the built-in page\n", sizeof page - 1);
    return n;
}

// Takes every queued watch event; reloads the page once if one was ours.
void on_store_events() {
    static char event[SF_STORE_EVENT_MAX]; // every event fits: none can stay queued
    bool ours = false;
    const char* token = nullptr;
    while (sf_store_next_event(event, sizeof event, nullptr, &token) >= 0)
        ours = ours || strcmp(token, kToken) == 0;
    if (ours) load_page();
}

} // namespace

int main() {
    sf::net::NetIf& net = sf::net::NetIf::boot("httpd");
    if (!app.start(net.stack())) {
        printf("httpd: cannot listen on port %u\n", sf::net::HttpServer::kPort);
        return 1;
    }
    const int64_t loaded = load_page();
    if (loaded >= 0) printf("httpd: page from the store (%lld bytes)\n", static_cast<long long>(loaded));
    if (loaded != -SF_ENODEV && loaded != -SF_EIO) sf_store_watch(kPageKey, kToken);
    char ip[16];
    sf::net::ip_to_text(net.ip(), ip, sizeof ip);
    printf("httpd: listening on %s:%u\n", ip, sf::net::HttpServer::kPort);
    for (;;) {
        net.run_once(UINT64_MAX);
        if (net.take_ready() & SF_POLL_STORE) on_store_events();
        app.service();
    }
}
