// superfluid store: what one dispatcher handler works on (internal to dispatch*.cpp).
#pragma once

#include "store/dispatch_args.h"
#include "store/store.h"
#include "store/wire.h"

#include <string>
#include <string_view>

namespace sf::store::detail {

inline constexpr std::string_view kOk{"OK\0", 3};

struct Request {
    Store& store;
    ConnectionId c;
    const wire::Header& header;
    std::string_view payload;
    std::string& out;

    TxId tx() const { return header.tx_id; }
    wire::MsgType type() const { return static_cast<wire::MsgType>(header.type); }
    void reply(std::string_view payload_out) const {
        if (payload_out.size() > wire::kPayloadMax) return fail(StoreError::TooBig);
        wire::append_reply(out, header, type(), payload_out);
    }
    void fail(StoreError error) const { wire::append_error(out, header, error); }
    // "OK\0", or the error of `status`.
    void ack(const StoreStatus& status) const {
        if (status)
            reply(kOk);
        else
            fail(status.error());
    }
};

using Handler = void (*)(const Request&);

// Handlers of dispatch_domain.cpp (transactions, watches, domains).
void handle_watch(const Request& r);
void handle_unwatch(const Request& r);
void handle_transaction_start(const Request& r);
void handle_transaction_end(const Request& r);
void handle_get_domain_path(const Request& r);
void handle_introduce(const Request& r);
void handle_release(const Request& r);
void handle_is_domain_introduced(const Request& r);
void handle_resume(const Request& r);
void handle_reset_watches(const Request& r);

} // namespace sf::store::detail
