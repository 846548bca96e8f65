// Test helper: a TCP client played by the test against a Harness's Stack
// (which has no active open), for the apps in guest/net/apps. Segments the
// stack sends are sorted into per-port inboxes, so several peers can talk
// to one stack at once.
#ifndef SF_TESTS_NET_TCP_PEER_H
#define SF_TESTS_NET_TCP_PEER_H

#include "net_test_util.h"

#include <deque>
#include <functional>
#include <map>
#include <string>

namespace sf::net::test {

// A Harness plus the app's service() and the sorted segments.
struct AppNet {
    Harness h;
    std::function<void()> service = [] {};
    std::map<uint16_t, std::deque<Segment>> inbox; // by destination (peer) port

    AppNet() { h.learn_peer(); }
    void pump() {
        for (Segment& s : h.take_tcp())
            inbox[s.dport].push_back(s);
    }
};

class TcpPeer {
  public:
    TcpPeer(AppNet& net, uint16_t sport, uint16_t dport, uint32_t iss = 1000)
        : net_(net), sport_(sport), dport_(dport), seq_(iss) {}
    // The three-way handshake; true if the stack completed it.
    bool connect();
    // Sends one data segment, runs the app until nothing more comes, ACKing
    // every in-order byte; returns the bytes received meanwhile.
    // With `fin`, the FIN rides on the same segment.
    std::string send(const std::string& data, bool fin = false);
    // Sends FIN and collects what follows.
    std::string close();
    // Runs the app and collects (no data sent).
    std::string collect();
    bool fin_seen() const { return fin_; }
    bool rst_seen() const { return rst_; }

  private:
    AppNet& net_;
    uint16_t sport_, dport_;
    uint32_t seq_, ack_ = 0;
    bool fin_ = false, rst_ = false;
};

// An HTTP response split off the front of `stream` (by Content-Length); status 0 if incomplete.
struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers; // lower-case names
    std::string body;
};
HttpResponse take_response(std::string& stream);

} // namespace sf::net::test

#endif
