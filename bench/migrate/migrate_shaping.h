// sf-bench migrate: how the test hosts' links are shaped (scripts/testhosts
// up's --rate, --delay and --icmp-band), for the hosts and the report.
#pragma once

#include <string>

namespace sf::bench {

struct LinkShaping {
    std::string rate;    // tc's rate of every host link, e.g. "10gbit" (an upper bound, not a measurement)
    double delay_ms = 0; // netem delay of each direction of each host link (0: none; needs sch_netem)
    bool icmp_band =
        false; // ICMP in an htb class of its own, served before the rest (not queued behind bulk)
};

} // namespace sf::bench
