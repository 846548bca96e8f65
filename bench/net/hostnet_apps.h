// sf-hostnet: the apps the host baseline runs on its stack, the same classes
// the sample guests run (guest/net): UDP echo (port 7) and HTTP (port 80).
#pragma once

#include "bench/net/hostnet_loop.h"

#include <string>
#include <vector>

namespace sf::bench {

std::vector<HostApp> make_host_apps();
// Their names, for the ready line: "udp-echo:7 http:80".
std::string host_app_names();

} // namespace sf::bench
