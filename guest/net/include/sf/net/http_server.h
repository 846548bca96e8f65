// superfluid guest networking app: a tiny HTTP/1.1 server, portable.
//
// GET / serves a small HTML page (built in, or one set with set_page), GET
// /stats a JSON object of counters,
// any other path 404, other methods 405; a malformed request (or a head
// over kInBytes, or a request with a body) gets 400 and the connection is
// closed after it. Keep-alive by default for HTTP/1.1 (Content-Length on
// every response), "Connection: close" honoured, HTTP/1.0 closes unless it
// asks for keep-alive. Requests may be split across segments; pipelined
// requests are answered in order, one at a time as output room allows.
// Contract: as UdpEcho's (start once, service after every batch).
#ifndef SF_NET_HTTP_SERVER_H
#define SF_NET_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "sf/net/sockets.h"
#include "sf/net/stream_conn.h"

namespace sf::net {

struct HttpStats {
    uint64_t connections, requests; // requests: every response sent ("hits" in /stats)
    uint64_t pages, stats, not_found, bad_requests, refused_methods;
};

class HttpServer {
  public:
    static constexpr uint16_t kPort = 80;
    static constexpr size_t kConnections = kTcpConnections;
    static constexpr size_t kInBytes = 1024;  // a request head must fit
    static constexpr size_t kOutBytes = 1024; // one response at least
    static constexpr size_t kPageMax = 512;   // a page set with set_page (it must fit one response)
    // The page GET / serves unless one is set (sf-bench net's Linux baseline serves it too).
    static constexpr char kBuiltinPage[] = "<!doctype html>\n<html><head><title>superfluid</title></head>\n"
                                           "<body><h1>superfluid</h1><p>Served by a superfluid service: a "
                                           "VM, a sandboxed process or a container.</p></body></html>\n";

    // Listens on the port; false if it is taken or the listener table is full.
    bool start(Sockets& stack, uint16_t port = kPort);
    void service();
    // Serves `page` (len <= kPageMax bytes, kept by the caller, unchanged while
    // it is set) for GET / from now on; null: the built-in page. False if too long.
    bool set_page(const char* page, size_t len);
    const HttpStats& stats() const { return stats_; }

  private:
    void serve(StreamConn& c);
    void respond(StreamConn& c, const char* head, size_t len);
    void reply(StreamConn& c, int status, const char* type, const char* body, size_t body_len);
    size_t stats_json(char* buf, size_t size) const;

    Sockets* stack_ = nullptr;
    int listener_ = -1;
    HttpStats stats_{};
    const char* page_ = nullptr; // null: the built-in page
    size_t page_len_ = 0;
    StreamConn conns_[kConnections]{};
    // Behind the small state: untouched until a connection uses them.
    uint8_t in_[kConnections][kInBytes];
    uint8_t out_[kConnections][kOutBytes];
};

} // namespace sf::net

#endif // SF_NET_HTTP_SERVER_H
