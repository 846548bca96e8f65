// sf-bench store: watch fan-out, the time from one write until every
// watcher has its event.
//
// `watchers` watches (distinct tokens) on one path, spread over `connections`
// connections; the initial event each watch fires is drained first. Then,
// `rounds` times: write the path on another connection and wait (poll on all
// watcher sockets) until each watch's event has arrived. One figure per
// round, in milliseconds.
#pragma once

#include "common/result.h"

#include <string>
#include <vector>

namespace sf::bench {

struct FanoutSpec {
    std::string socket_path;
    int watchers = 10000;
    int connections = 10;
    int rounds = 7;
    std::string path = "/bench/fanout";
};

Result<std::vector<double>> measure_watch_fanout(const FanoutSpec& spec);

} // namespace sf::bench
