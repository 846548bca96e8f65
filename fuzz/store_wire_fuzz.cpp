// libFuzzer target: XenStore's wire protocol. Arbitrary bytes go through the
// incremental parser (fed in two pieces) and every complete message is
// dispatched against a Store on MemBackend, from a privileged (dom0) or an
// unprivileged (domain 5) connection. Checked: every reply is one
// well-formed message (payload <= 4096, ids echoed, the request's type or
// Error with a known errno name), every watch event fits in a message.
#include "store/dispatch.h"
#include "store/mem_backend.h"
#include "store/store.h"
#include "store/wire.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

using namespace sf::store;

class CheckingSink final : public WatchSink {
  public:
    void deliver(ConnectionId, const WatchEvent& event) override {
        if (event.path.empty() || event.path.find('\0') != std::string::npos) std::abort();
    }
};

void check_reply(const wire::Header& request, const std::string& reply) {
    wire::Parser parser;
    parser.feed(reply);
    wire::MessageView message;
    if (parser.next(message) != wire::Parser::Status::Message) std::abort();
    if (parser.pending() != 0) std::abort(); // exactly one message
    if (message.payload.size() > wire::kPayloadMax) std::abort();
    if (message.header.req_id != request.req_id || message.header.tx_id != request.tx_id) std::abort();
    if (message.header.type == static_cast<uint32_t>(wire::MsgType::Error)) {
        std::string_view name = message.payload;
        if (name.empty() || name.back() != '\0') std::abort();
        name.remove_suffix(1);
        if (!wire::error_from_name(name)) std::abort();
    } else if (message.header.type != request.type) {
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto created = Store::create(MemBackend::create());
    if (!created) std::abort();
    Store& store = **created;
    auto sink = std::make_shared<CheckingSink>();
    const ConnectionId dom0 = store.connect(kDom0, true, sink);
    const ConnectionId guest = store.connect(5, false, sink);

    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const size_t split = size > 0 ? data[0] % (size + 1) : 0;
    wire::Parser parser;
    for (std::string_view piece : {bytes.substr(0, split), bytes.substr(split)}) {
        parser.feed(piece);
        wire::MessageView message;
        for (;;) {
            const auto status = parser.next(message);
            if (status == wire::Parser::Status::NeedMore) break;
            if (status == wire::Parser::Status::TooLong) {
                if (message.header.len <= wire::kPayloadMax) std::abort();
                return 0;
            }
            if (message.payload.size() != message.header.len) std::abort();
            const ConnectionId c = (message.header.req_id & 1) ? guest : dom0;
            check_reply(message.header, dispatch(store, c, message.header, message.payload));
        }
    }
    store.disconnect(guest);
    store.disconnect(dom0);
    return 0;
}
