// superfluid guest networking app: named counters over a TCP line protocol, portable.
//
// Each request line ("\n" or "\r\n") gets exactly one reply line, ending
// the way the request did:
//   INCR key  ->  the new value (counters start at 0)
//   GET key   ->  the value, 0 if the key is unknown
//   otherwise ->  "ERR unknown command"
// Keys are 1 to kKeyMax bytes without spaces ("ERR key too long" / "ERR bad
// key"); at most kKeys keys ("ERR too many keys" for a new one beyond);
// a line over kLineMax bytes gets "ERR line too long" and is skipped.
// Several clients at once (up to kTcpConnections); the table is shared.
// Contract: as UdpEcho's (start once, service after every batch).
#ifndef SF_NET_KV_COUNTER_H
#define SF_NET_KV_COUNTER_H

#include <stddef.h>
#include <stdint.h>

#include "sf/net/sockets.h"
#include "sf/net/stream_conn.h"

namespace sf::net {

struct KvStats {
    uint64_t connections, commands, errors;
};

class KvCounter {
  public:
    static constexpr uint16_t kPort = 7000;
    static constexpr size_t kKeys = 64;
    static constexpr size_t kKeyMax = 32;
    static constexpr size_t kLineMax = 128;
    static constexpr size_t kConnections = kTcpConnections;
    static constexpr size_t kOutBytes = 512;

    // Listens on the port; false if it is taken or the listener table is full.
    bool start(Sockets& stack, uint16_t port = kPort);
    void service();
    const KvStats& stats() const { return stats_; }
    size_t keys() const { return key_count_; }

  private:
    struct Entry {
        uint64_t value;
        uint8_t len;
        char key[kKeyMax];
    };
    void serve(size_t i);
    bool take_line(size_t i); // false when no complete line (or no room to answer)
    void command(StreamConn& c, const char* line, size_t len, const char* eol);
    Entry* find(const char* key, size_t len, bool create);
    void answer(StreamConn& c, const char* text, const char* eol, bool error);

    Sockets* stack_ = nullptr;
    int listener_ = -1;
    KvStats stats_{};
    size_t key_count_ = 0;
    bool skipping_[kConnections]{}; // discarding the rest of a too-long line
    StreamConn conns_[kConnections]{};
    Entry table_[kKeys]{};
    // Behind the small state: untouched until a connection uses them.
    uint8_t in_[kConnections][kLineMax];
    uint8_t out_[kConnections][kOutBytes];
};

} // namespace sf::net

#endif // SF_NET_KV_COUNTER_H
