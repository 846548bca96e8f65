// sf-bench net: parsers; see net_parsers.h.
#include "bench/net/net_parsers.h"

#include "net/ipv4_address.h"

#include <charconv>
#include <fmt/format.h>

namespace sf::bench {
namespace {

// The lines of `text`, without their line ends.
std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

std::string_view skip_spaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    return s;
}

// The number at the start of `s` (after spaces); false if there is none.
template <typename T> bool number_at(std::string_view s, T& value) {
    s = skip_spaces(s);
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    return ec == std::errc() && end != s.data();
}

// The number following the first `key` in `line`; false if absent.
template <typename T> bool number_after(std::string_view line, std::string_view key, T& value) {
    const size_t at = line.find(key);
    return at != std::string_view::npos && number_at(line.substr(at + key.size()), value);
}

bool starts_with_word(std::string_view line, std::string_view word) {
    return skip_spaces(line).starts_with(word);
}

uint64_t socket_errors(std::string_view line) {
    uint64_t total = 0;
    for (std::string_view key : {"connect ", "read ", "write ", "timeout "}) {
        uint64_t n = 0;
        if (number_after(line, key, n)) total += n;
    }
    return total;
}

} // namespace

Result<InterfaceAddress> parse_interface_address(std::string_view text) {
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos)
        return error("{:?}: expected ADDRESS/PREFIX, e.g. 10.78.0.1/24", text);
    auto ip = net::Ipv4Address::parse(text.substr(0, slash));
    if (!ip) return ip.error();
    const std::string_view prefix = text.substr(slash + 1);
    unsigned prefix_len = 0;
    const auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), prefix_len);
    if (ec != std::errc() || end != prefix.data() + prefix.size() || prefix_len < 1 || prefix_len > 30)
        return error("{:?}: the prefix length must be 1-30", text);
    const uint32_t mask = ~uint32_t{0} << (32 - prefix_len);
    const uint32_t host = ip->value() & ~mask;
    if (host == 0 || host == ~mask) return error("{:?}: the network or broadcast address", text);
    return InterfaceAddress{ip->value(), prefix_len};
}

std::string to_string(const InterfaceAddress& address) {
    return fmt::format("{}/{}", net::Ipv4Address(address.ip).to_string(), address.prefix_len);
}

std::vector<double> parse_ping_times(std::string_view output) {
    std::vector<double> times;
    for (std::string_view line : lines_of(output)) {
        if (line.find("icmp_seq=") == std::string_view::npos || line.find("(DUP!)") != std::string_view::npos)
            continue;
        double ms = 0;
        if (number_after(line, " time=", ms) &&
            line.find(" ms", line.find(" time=")) != std::string_view::npos)
            times.push_back(ms);
    }
    return times;
}

Result<PingCounts> parse_ping_counts(std::string_view output) {
    for (std::string_view line : lines_of(output)) {
        PingCounts counts;
        if (line.find(" packets transmitted, ") == std::string_view::npos) continue;
        if (number_at(line, counts.transmitted) && number_after(line, "transmitted, ", counts.received))
            return counts;
    }
    return error("no \"N packets transmitted, M received\" line in ping's output");
}

Result<WrkReport> parse_wrk(std::string_view output) {
    WrkReport report;
    bool have_rate = false;
    for (std::string_view line : lines_of(output)) {
        if (starts_with_word(line, "Requests/sec:"))
            have_rate = number_after(line, "Requests/sec:", report.requests_per_sec);
        else if (line.find(" requests in ") != std::string_view::npos)
            (void)number_at(line, report.requests);
        else if (starts_with_word(line, "Socket errors:"))
            report.socket_errors = socket_errors(line);
        else if (starts_with_word(line, "Non-2xx or 3xx responses:"))
            (void)number_after(line, "responses:", report.non_2xx);
    }
    if (!have_rate) return error("no \"Requests/sec:\" line in wrk's output");
    return report;
}

} // namespace sf::bench
