// superfluid store: XenStore's wire protocol (xs_wire.h of Xen 4.17).
//
// A message is a 16-byte Header (four uint32_t in the host's byte order,
// like struct xsd_sockmsg) followed by `len` bytes of payload, at most
// kPayloadMax. Payloads are NUL-separated strings; see dispatch.h for the
// format of each message type. Replies echo the request's type, req_id and
// tx_id; an error reply has type Error and the errno's name ("ENOENT\0").
// Watch events have type WatchEvent, req_id 0 and tx_id 0.
//
// Parser turns a byte stream into messages: feed() what arrived, then take
// complete messages with next() until it says NeedMore. A header claiming a
// payload larger than kPayloadMax is unrecoverable (the stream cannot be
// resynchronised): next() reports TooLong from then on.
#pragma once

#include "store/errors.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sf::store::wire {

enum class MsgType : uint32_t {
    Control = 0,
    Directory = 1,
    Read = 2,
    GetPerms = 3,
    Watch = 4,
    Unwatch = 5,
    TransactionStart = 6,
    TransactionEnd = 7,
    Introduce = 8,
    Release = 9,
    GetDomainPath = 10,
    Write = 11,
    Mkdir = 12,
    Rm = 13,
    SetPerms = 14,
    WatchEvent = 15,
    Error = 16,
    IsDomainIntroduced = 17,
    Resume = 18,
    SetTarget = 19,
    // 20 was XS_RESTRICT, removed: invalid.
    ResetWatches = 21,
    DirectoryPart = 22,
};
inline constexpr uint32_t kTypeCount = 23; // XS_TYPE_COUNT

struct Header {
    uint32_t type = 0;
    uint32_t req_id = 0;
    uint32_t tx_id = 0;
    uint32_t len = 0;
};
static_assert(sizeof(Header) == 16);
static_assert(offsetof(Header, type) == 0 && offsetof(Header, req_id) == 4);
static_assert(offsetof(Header, tx_id) == 8 && offsetof(Header, len) == 12);

inline constexpr size_t kHeaderSize = sizeof(Header);
inline constexpr size_t kPayloadMax = 4096; // XENSTORE_PAYLOAD_MAX
inline constexpr size_t kMessageMax = kHeaderSize + kPayloadMax;

// "READ", "WATCH_EVENT", ...; "UNKNOWN" for other numbers.
const char* type_name(uint32_t type);

// Appends one message (header with len = payload.size(), then payload) to `out`.
// The caller keeps payload.size() <= kPayloadMax.
void append_message(std::string& out, uint32_t type, uint32_t req_id, uint32_t tx_id,
                    std::string_view payload);
// Appends the reply to `request` with this type and payload (req_id and tx_id echoed).
void append_reply(std::string& out, const Header& request, MsgType type, std::string_view payload);
// Appends an error reply to `request`: type Error, payload "<ENAME>\0".
void append_error(std::string& out, const Header& request, StoreError error);
// Appends a watch event "path\0token\0" (req_id 0, tx_id 0); E2BIG-sized ones are dropped (false).
bool append_watch_event(std::string& out, std::string_view path, std::string_view token);
// The StoreError whose errno name is `name` (without the NUL); nullopt for other names.
std::optional<StoreError> error_from_name(std::string_view name);

// Reads a Header from the first kHeaderSize bytes of `bytes` (the caller checked the size).
Header read_header(const char* bytes);

// A message inside the Parser's buffer: valid until the next feed() or next().
struct MessageView {
    Header header;
    std::string_view payload;
};

// A message with its own copy of the payload (clients, tests).
struct Message {
    Header header;
    std::string payload;
    MsgType type() const { return static_cast<MsgType>(header.type); }
};

class Parser {
  public:
    enum class Status { Message, NeedMore, TooLong };

    // Appends bytes that arrived.
    void feed(std::string_view bytes);
    // The next complete message into `out` (Message), NeedMore, or TooLong
    // (sticky; `out.header` is then the offending header).
    Status next(MessageView& out);
    // Bytes received but not yet returned as messages (a partial message at EOF is truncated).
    size_t pending() const { return buffer_.size() - consumed_; }
    bool failed() const { return failed_; }

  private:
    std::string buffer_;
    size_t consumed_ = 0;
    bool failed_ = false;
};

} // namespace sf::store::wire
