// superfluid switch: MacAddress.
#include "net/mac_address.h"

#include <fmt/format.h>

namespace sf::net {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

Result<MacAddress> MacAddress::parse(std::string_view text) {
    // Exactly "xx:xx:xx:xx:xx:xx": 17 characters.
    if (text.size() != 17)
        return error(ErrorKind::InvalidArgument,
                     "'{}': a MAC address is six hex pairs such as 02:00:00:00:00:01", text);
    std::array<uint8_t, 6> bytes{};
    for (size_t i = 0; i < 6; ++i) {
        size_t at = i * 3;
        int high = hex_value(text[at]);
        int low = hex_value(text[at + 1]);
        bool separator_ok = i == 5 || text[at + 2] == ':';
        if (high < 0 || low < 0 || !separator_ok)
            return error(ErrorKind::InvalidArgument,
                         "'{}': a MAC address is six hex pairs such as 02:00:00:00:00:01", text);
        bytes[i] = static_cast<uint8_t>(high * 16 + low);
    }
    return MacAddress(bytes);
}

MacAddress MacAddress::from_bytes(const uint8_t* data) {
    std::array<uint8_t, 6> bytes{};
    for (size_t i = 0; i < 6; ++i)
        bytes[i] = data[i];
    return MacAddress(bytes);
}

MacAddress MacAddress::from_u64(uint64_t value) {
    std::array<uint8_t, 6> bytes{};
    for (size_t i = 0; i < 6; ++i)
        bytes[i] = static_cast<uint8_t>(value >> (8 * (5 - i)));
    return MacAddress(bytes);
}

uint64_t MacAddress::to_u64() const {
    uint64_t value = 0;
    for (uint8_t b : bytes_)
        value = (value << 8) | b;
    return value;
}

std::string MacAddress::to_string() const {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", bytes_[0], bytes_[1], bytes_[2],
                       bytes_[3], bytes_[4], bytes_[5]);
}

} // namespace sf::net
