// superfluid guest networking app: named counters over TCP lines (see sf/net/kv_counter.h).
#include "sf/net/kv_counter.h"

#include "sf/format.h"
#include "sf/string.h"

namespace sf::net {

namespace {

constexpr size_t kReplyMax = 32; // room needed before a line is taken: "ERR ..." or a number, "\r\n"

bool starts_with(const char* p, size_t n, const char* word) {
    const size_t w = sf_strlen(word);
    return n >= w && sf_memcmp(p, word, w) == 0;
}

} // namespace

bool KvCounter::start(Sockets& stack, uint16_t port) {
    stack_ = &stack;
    for (size_t i = 0; i < kConnections; ++i)
        conns_[i].init(in_[i], kLineMax, out_[i], kOutBytes);
    listener_ = stack.tcp_listen(port);
    return listener_ >= 0;
}

void KvCounter::service() {
    if (stack_ == nullptr) return;
    stats_.connections += accept_all(*stack_, listener_, conns_, kConnections);
    for (size_t i = 0; i < kConnections; ++i)
        if (conns_[i].handle >= 0) serve(i);
}

void KvCounter::serve(size_t i) {
    StreamConn& c = conns_[i];
    c.push(*stack_);
    do
        c.pull(*stack_);
    while (take_line(i));
    c.push(*stack_);
    if (c.finished(*stack_, sf_memchr(c.in, '\n', c.in_len) != nullptr)) {
        c.close(*stack_);
        skipping_[i] = false;
    }
}

bool KvCounter::take_line(size_t i) {
    StreamConn& c = conns_[i];
    if (c.out_free() < kReplyMax) return false;
    const auto* nl = static_cast<const uint8_t*>(sf_memchr(c.in, '\n', c.in_len));
    if (nl == nullptr) {
        if (c.in_len < c.in_cap) return false;
        if (!skipping_[i]) answer(c, "ERR line too long", "\n", true);
        skipping_[i] = true; // drop what we have, keep dropping until the newline
        c.consume(c.in_len);
        return true;
    }
    const size_t n = static_cast<size_t>(nl - c.in);
    const bool crlf = n > 0 && c.in[n - 1] == '\r';
    if (skipping_[i])
        skipping_[i] = false;
    else
        command(c, reinterpret_cast<const char*>(c.in), crlf ? n - 1 : n, crlf ? "\r\n" : "\n");
    c.consume(n + 1);
    return true;
}

void KvCounter::command(StreamConn& c, const char* line, size_t len, const char* eol) {
    ++stats_.commands;
    const bool incr = starts_with(line, len, "INCR ");
    if (!incr && !starts_with(line, len, "GET ")) return answer(c, "ERR unknown command", eol, true);
    const size_t skip = incr ? 5 : 4;
    const char* key = line + skip;
    const size_t key_len = len - skip;
    if (key_len > kKeyMax) return answer(c, "ERR key too long", eol, true);
    if (key_len == 0 || sf_memchr(key, ' ', key_len) != nullptr) return answer(c, "ERR bad key", eol, true);
    Entry* e = find(key, key_len, incr);
    if (e == nullptr && incr) return answer(c, "ERR too many keys", eol, true);
    uint64_t value = e == nullptr ? 0 : e->value;
    if (incr) value = ++e->value;
    char text[24];
    sf_snprintf(text, sizeof text, "%llu", static_cast<unsigned long long>(value));
    answer(c, text, eol, false);
}

KvCounter::Entry* KvCounter::find(const char* key, size_t len, bool create) {
    for (size_t i = 0; i < key_count_; ++i)
        if (table_[i].len == len && sf_memcmp(table_[i].key, key, len) == 0) return &table_[i];
    if (!create || key_count_ == kKeys) return nullptr;
    Entry& e = table_[key_count_++];
    e.value = 0;
    e.len = static_cast<uint8_t>(len);
    sf_memcpy(e.key, key, len);
    return &e;
}

void KvCounter::answer(StreamConn& c, const char* text, const char* eol, bool error) {
    if (error) ++stats_.errors;
    c.append(text, sf_strlen(text)); // kReplyMax of room was checked before the line was taken
    c.append(eol, sf_strlen(eol));
}

} // namespace sf::net
