// Test helper: a TCP client played by the test (see tcp_peer.h).
#include "tcp_peer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace sf::net::test {

bool TcpPeer::connect() {
    net_.h.peer_tcp(sport_, dport_, seq_, 0, SYN);
    net_.pump();
    auto& in = net_.inbox[sport_];
    if (in.size() != 1 || in.front().flags != (SYN | ACK)) return false;
    ack_ = in.front().seq + 1;
    in.clear();
    ++seq_;
    net_.h.peer_tcp(sport_, dport_, seq_, ack_, ACK);
    collect();
    return !rst_;
}

std::string TcpPeer::send(const std::string& data, bool fin) {
    net_.h.peer_tcp(sport_, dport_, seq_, ack_, static_cast<uint8_t>(ACK | PSH | (fin ? FIN : 0)), 65535,
                    bytes(data));
    seq_ += static_cast<uint32_t>(data.size()) + (fin ? 1 : 0);
    return collect();
}

std::string TcpPeer::close() {
    net_.h.peer_tcp(sport_, dport_, seq_, ack_, FIN | ACK);
    ++seq_;
    return collect();
}

std::string TcpPeer::collect() {
    std::string got;
    for (int round = 0; round < 100; ++round) {
        net_.service();
        net_.pump();
        auto& in = net_.inbox[sport_];
        if (in.empty()) break;
        bool advanced = false;
        for (const Segment& s : in) {
            if (s.flags & RST) rst_ = true;
            if (s.seq == ack_ && !s.data.empty()) {
                got.append(s.data.begin(), s.data.end());
                ack_ += static_cast<uint32_t>(s.data.size());
                advanced = true;
            }
            if ((s.flags & FIN) && s.seq + s.data.size() == ack_ && !fin_) {
                fin_ = true;
                ++ack_;
                advanced = true;
            }
        }
        in.clear();
        if (!advanced || rst_) break;
        net_.h.peer_tcp(sport_, dport_, seq_, ack_, ACK);
    }
    return got;
}

HttpResponse take_response(std::string& stream) {
    HttpResponse r;
    const size_t head_end = stream.find("\r\n\r\n");
    if (head_end == std::string::npos || stream.compare(0, 9, "HTTP/1.1 ") != 0) return r;
    size_t line = stream.find("\r\n") + 2;
    while (line < head_end + 2) {
        const size_t eol = stream.find("\r\n", line);
        const size_t colon = stream.find(':', line);
        std::string name = stream.substr(line, colon - line);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        r.headers[name] = stream.substr(colon + 2, eol - colon - 2);
        line = eol + 2;
    }
    const size_t len = std::stoul(r.headers["content-length"]);
    if (stream.size() < head_end + 4 + len) return r;
    r.status = std::stoi(stream.substr(9, 3));
    r.body = stream.substr(head_end + 4, len);
    stream.erase(0, head_end + 4 + len);
    return r;
}

} // namespace sf::net::test
