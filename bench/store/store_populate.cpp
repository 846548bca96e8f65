// sf-bench store: populate_store() and the guests' values (see store_populate.h, store_layout.h).
#include "bench/store/store_populate.h"

#include "bench/store/store_layout.h"
#include "bench/store/store_pipe.h"

#include <fmt/format.h>

#include <charconv>

namespace sf::bench {

using store::wire::Message;
using store::wire::MsgType;

namespace {

constexpr int kGuestsPerTransaction = 50;

std::string reply_error(const Message& reply) {
    return reply.type() == MsgType::Error ? std::string(reply.payload.c_str()) : std::string();
}

// Writes guests [first, last] in one transaction; false when it conflicted.
Result<bool> write_guests(StorePipe& pipe, int first, int last) {
    SF_TRY_ASSIGN(Message started, pipe.call(MsgType::TransactionStart, 0, std::string_view("\0", 1)));
    uint32_t tx = 0;
    std::from_chars(started.payload.data(), started.payload.data() + started.payload.size(), tx);
    if (started.type() == MsgType::Error || tx == 0)
        return error("transaction start: {}", reply_error(started));
    for (int guest = first; guest <= last; ++guest) {
        for (std::string_view leaf : kGuestLeaves) {
            pipe.queue(MsgType::Write, tx, write_payload(guest_key(guest, leaf), guest_value(guest, leaf)));
        }
    }
    SF_TRY_ASSIGN(Message ended, pipe.call(MsgType::TransactionEnd, tx, std::string_view("T\0", 2)));
    if (reply_error(ended) == "EAGAIN") return false;
    if (ended.type() == MsgType::Error)
        return error("commit of guests {}-{}: {}", first, last, reply_error(ended));
    return true;
}

} // namespace

std::string guest_value(int guest, std::string_view leaf) {
    if (leaf == "name") return fmt::format("guest-{}", guest);
    if (leaf == "image") return "build/guests/idle";
    if (leaf == "memory") return "2097152";
    if (leaf == "state") return "running";
    if (leaf == "nic/mac")
        return fmt::format("02:00:00:{:02x}:{:02x}:{:02x}", guest >> 16, (guest >> 8) & 0xff, guest & 0xff);
    if (leaf == "nic/ip") return fmt::format("10.{}.{}.{}", guest >> 16, (guest >> 8) & 0xff, guest & 0xff);
    if (leaf == "worker") return std::to_string(guest % 8);
    return "x";
}

Result<void> populate_store(const std::string& socket_path, int guests) {
    SF_TRY_ASSIGN(StorePipe pipe, StorePipe::connect(socket_path));
    for (int first = 1; first <= guests; first += kGuestsPerTransaction) {
        int last = std::min(guests, first + kGuestsPerTransaction - 1);
        for (int attempt = 0;; ++attempt) {
            SF_TRY_ASSIGN(bool committed, write_guests(pipe, first, last));
            if (committed) break;
            if (attempt == 10) return error("guests {}-{}: the commit conflicted 10 times", first, last);
        }
    }
    return ok();
}

} // namespace sf::bench
