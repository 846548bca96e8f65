// superfluid switch: Ipv4Address.
#include "net/ipv4_address.h"

#include <fmt/format.h>

namespace sf::net {

namespace {

// One decimal part 0-255 without leading zeros; advances `pos`. -1 when malformed.
int parse_part(std::string_view text, size_t& pos) {
    size_t start = pos;
    int value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3) {
        value = value * 10 + (text[pos] - '0');
        ++pos;
    }
    size_t digits = pos - start;
    if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) return -1;
    return value;
}

} // namespace

Result<Ipv4Address> Ipv4Address::parse(std::string_view text) {
    uint32_t value = 0;
    size_t pos = 0;
    bool good = true;
    for (int part = 0; part < 4 && good; ++part) {
        if (part > 0) {
            good = pos < text.size() && text[pos] == '.';
            ++pos;
        }
        int v = good ? parse_part(text, pos) : -1;
        good = v >= 0;
        value = (value << 8) | static_cast<uint32_t>(good ? v : 0);
    }
    if (!good || pos != text.size())
        return error(ErrorKind::InvalidArgument,
                     "'{}': an IPv4 address is four numbers 0-255 such as 10.0.0.1", text);
    return Ipv4Address(value);
}

std::string Ipv4Address::to_string() const {
    return fmt::format("{}.{}.{}.{}", value_ >> 24, (value_ >> 16) & 0xff, (value_ >> 8) & 0xff,
                       value_ & 0xff);
}

} // namespace sf::net
