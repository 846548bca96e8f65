// superfluid store: XenStore's wire protocol, encoders and the incremental parser.
#include "store/wire.h"

#include <array>
#include <cstring>

namespace sf::store::wire {

namespace {

constexpr std::array<const char*, kTypeCount> kTypeNames = {
    "CONTROL",
    "DIRECTORY",
    "READ",
    "GET_PERMS",
    "WATCH",
    "UNWATCH",
    "TRANSACTION_START",
    "TRANSACTION_END",
    "INTRODUCE",
    "RELEASE",
    "GET_DOMAIN_PATH",
    "WRITE",
    "MKDIR",
    "RM",
    "SET_PERMS",
    "WATCH_EVENT",
    "ERROR",
    "IS_DOMAIN_INTRODUCED",
    "RESUME",
    "SET_TARGET",
    "UNKNOWN",
    "RESET_WATCHES",
    "DIRECTORY_PART",
};

constexpr std::array<StoreError, 15> kAllErrors = {
    StoreError::Invalid,  StoreError::Access,      StoreError::Exists,   StoreError::NotFound,
    StoreError::NoMemory, StoreError::Quota,       StoreError::TooBig,   StoreError::Io,
    StoreError::NotEmpty, StoreError::NoSys,       StoreError::ReadOnly, StoreError::Busy,
    StoreError::Again,    StoreError::IsConnected, StoreError::Perm,
};

} // namespace

const char* type_name(uint32_t type) {
    return type < kTypeCount ? kTypeNames[type] : "UNKNOWN";
}

void append_message(std::string& out, uint32_t type, uint32_t req_id, uint32_t tx_id,
                    std::string_view payload) {
    Header header{type, req_id, tx_id, static_cast<uint32_t>(payload.size())};
    const size_t at = out.size();
    out.resize(at + kHeaderSize + payload.size());
    std::memcpy(out.data() + at, &header, kHeaderSize);
    if (!payload.empty()) std::memcpy(out.data() + at + kHeaderSize, payload.data(), payload.size());
}

void append_reply(std::string& out, const Header& request, MsgType type, std::string_view payload) {
    append_message(out, static_cast<uint32_t>(type), request.req_id, request.tx_id, payload);
}

void append_error(std::string& out, const Header& request, StoreError error) {
    const char* name = errno_name(error);
    // The NUL terminator is part of the payload, as xenstored sends it.
    append_reply(out, request, MsgType::Error, std::string_view(name, std::strlen(name) + 1));
}

bool append_watch_event(std::string& out, std::string_view path, std::string_view token) {
    const size_t size = path.size() + token.size() + 2;
    if (size > kPayloadMax) return false;
    Header header{static_cast<uint32_t>(MsgType::WatchEvent), 0, 0, static_cast<uint32_t>(size)};
    const size_t at = out.size();
    out.resize(at + kHeaderSize + size);
    char* p = out.data() + at;
    std::memcpy(p, &header, kHeaderSize);
    p += kHeaderSize;
    std::memcpy(p, path.data(), path.size());
    p[path.size()] = '\0';
    p += path.size() + 1;
    std::memcpy(p, token.data(), token.size());
    p[token.size()] = '\0';
    return true;
}

std::optional<StoreError> error_from_name(std::string_view name) {
    for (StoreError error : kAllErrors)
        if (name == errno_name(error)) return error;
    return std::nullopt;
}

Header read_header(const char* bytes) {
    Header header;
    std::memcpy(&header, bytes, kHeaderSize);
    return header;
}

void Parser::feed(std::string_view bytes) {
    if (consumed_ > 0) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
    }
    buffer_.append(bytes);
}

Parser::Status Parser::next(MessageView& out) {
    const size_t available = buffer_.size() - consumed_;
    if (failed_) {
        out.header = read_header(buffer_.data() + consumed_);
        out.payload = {};
        return Status::TooLong;
    }
    if (available < kHeaderSize) return Status::NeedMore;
    out.header = read_header(buffer_.data() + consumed_);
    if (out.header.len > kPayloadMax) {
        failed_ = true;
        out.payload = {};
        return Status::TooLong;
    }
    if (available < kHeaderSize + out.header.len) return Status::NeedMore;
    out.payload = std::string_view(buffer_.data() + consumed_ + kHeaderSize, out.header.len);
    consumed_ += kHeaderSize + out.header.len;
    return Status::Message;
}

} // namespace sf::store::wire
