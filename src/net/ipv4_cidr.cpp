// superfluid switch: Ipv4Cidr.
#include "net/ipv4_cidr.h"

#include <fmt/format.h>

#include <algorithm>

namespace sf::net {

Result<Ipv4Cidr> Ipv4Cidr::parse(std::string_view text) {
    size_t slash = text.find('/');
    if (slash == std::string_view::npos)
        return error(ErrorKind::InvalidArgument, "{}: a subnet is ADDRESS/PREFIX such as 10.0.0.0/24", text);
    auto address = Ipv4Address::parse(text.substr(0, slash));
    if (!address)
        return error(ErrorKind::InvalidArgument, "{}: a subnet is ADDRESS/PREFIX such as 10.0.0.0/24", text);
    std::string_view digits = text.substr(slash + 1);
    bool numeric = !digits.empty() && digits.size() <= 2 && (digits.size() == 1 || digits[0] != '0') &&
                   std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    unsigned prefix = 0;
    if (numeric)
        for (char c : digits)
            prefix = prefix * 10 + static_cast<unsigned>(c - '0');
    if (!numeric || prefix > 32)
        return error(ErrorKind::InvalidArgument, "{}: prefix length must be 0-32", text);
    return create(*address, prefix);
}

Result<Ipv4Cidr> Ipv4Cidr::create(Ipv4Address network, unsigned prefix) {
    if (prefix > 32)
        return error(ErrorKind::InvalidArgument, "{}/{}: prefix length must be 0-32", network.to_string(),
                     prefix);
    Ipv4Cidr cidr(network, prefix);
    if ((network.value() & ~cidr.mask()) != 0) {
        Ipv4Address base(network.value() & cidr.mask());
        return error(ErrorKind::InvalidArgument, "{}/{}: host bits are set; the subnet is {}/{}",
                     network.to_string(), prefix, base.to_string(), prefix);
    }
    return cidr;
}

bool Ipv4Cidr::overlaps(const Ipv4Cidr& other) const {
    // Two aligned blocks overlap iff the shorter prefix contains the other's network.
    return prefix_ <= other.prefix_ ? contains(other.network_) : other.contains(network_);
}

std::string Ipv4Cidr::to_string() const {
    return fmt::format("{}/{}", network_.to_string(), prefix_);
}

} // namespace sf::net
