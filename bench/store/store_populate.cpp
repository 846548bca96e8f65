// sf-bench store: populate_store() and the guests' values (see store_populate.h, store_layout.h).
#include "bench/store/store_populate.h"

#include "bench/store/store_layout.h"
#include "bench/store/store_pipe.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <unordered_map>
#include <vector>

namespace sf::bench {

using store::wire::Message;
using store::wire::MsgType;

namespace {

constexpr int kGuestsPerTransaction = 50;

std::string reply_error(const Message& reply) {
    return reply.type() == MsgType::Error ? std::string(reply.payload.c_str()) : std::string();
}

// Waits for the replies to `ids` (in any order, watch events skipped); counts
// the errors among them into `result`. Returns the reply to `last`, which is among `ids`.
Result<Message> collect_replies(StorePipe& pipe, const std::unordered_map<uint32_t, std::string>& ids,
                                uint32_t last, PopulateResult& result) {
    std::vector<Message> got;
    size_t missing = ids.size();
    std::optional<Message> last_reply;
    while (missing > 0) {
        got.clear();
        SF_TRY(pipe.receive(got, 10000));
        if (got.empty()) return error("{} replies missing after 10 s", missing);
        for (Message& m : got) {
            auto it = ids.find(m.header.req_id);
            if (m.type() == MsgType::WatchEvent || it == ids.end()) continue;
            --missing;
            if (m.header.req_id == last) {
                last_reply = std::move(m);
            } else if (m.type() == MsgType::Error) {
                ++result.errors;
                if (result.first_error.empty())
                    result.first_error = fmt::format("WRITE {}: {}", it->second, reply_error(m));
            }
        }
    }
    return std::move(*last_reply);
}

// Writes guests [first, last] in one transaction; false when it conflicted.
Result<bool> write_guests(StorePipe& pipe, int first, int last, PopulateResult& result) {
    SF_TRY_ASSIGN(Message started, pipe.call(MsgType::TransactionStart, 0, std::string_view("\0", 1)));
    uint32_t tx = 0;
    std::from_chars(started.payload.data(), started.payload.data() + started.payload.size(), tx);
    if (started.type() == MsgType::Error || tx == 0)
        return error("transaction start: {}", reply_error(started));
    std::unordered_map<uint32_t, std::string> ids;
    for (int guest = first; guest <= last; ++guest) {
        for (std::string_view leaf : kGuestLeaves) {
            std::string key = guest_key(guest, leaf);
            ids.emplace(pipe.queue(MsgType::Write, tx, write_payload(key, guest_value(guest, leaf))),
                        std::move(key));
            ++result.writes;
        }
    }
    const uint32_t commit = pipe.queue(MsgType::TransactionEnd, tx, std::string_view("T\0", 2));
    ids.emplace(commit, "commit");
    SF_TRY(pipe.flush());
    SF_TRY_ASSIGN(Message ended, collect_replies(pipe, ids, commit, result));
    if (reply_error(ended) == "EAGAIN") {
        ++result.conflicts;
        return false;
    }
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

Result<PopulateResult> populate_store(const std::string& socket_path, int guests) {
    SF_TRY_ASSIGN(StorePipe pipe, StorePipe::connect(socket_path));
    PopulateResult result;
    for (int first = 1; first <= guests; first += kGuestsPerTransaction) {
        int last = std::min(guests, first + kGuestsPerTransaction - 1);
        for (int attempt = 0;; ++attempt) {
            SF_TRY_ASSIGN(bool committed, write_guests(pipe, first, last, result));
            if (committed) break;
            if (attempt == 10) return error("guests {}-{}: the commit conflicted 10 times", first, last);
        }
    }
    return result;
}

} // namespace sf::bench
