// sf-bench net: LinuxTarget; see linux_target.h.
#include "bench/net/linux_target.h"

#include "bench/net/link_config.h"
#include "bench/net/net_parsers.h"
#include "bench/net/net_targets.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

namespace sf::bench {
namespace {

std::string namespace_of(const std::string& proc) {
    std::error_code ec;
    return std::filesystem::read_symlink(proc + "/ns/net", ec).string();
}

} // namespace

Result<std::unique_ptr<LinuxTarget>> LinuxTarget::start(const LinuxTargetOptions& o) {
    SF_TRY_ASSIGN(InterfaceAddress host, parse_interface_address(o.host_address));
    std::unique_ptr<LinuxTarget> t(new LinuxTarget);
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/sf-linuxnet-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return error("mkdtemp {}: {}", pattern, std::strerror(errno));
    t->dir_ = pattern;
    t->ip_ = host.ip + 1;
    const std::string address = to_string(InterfaceAddress{t->ip_, host.prefix_len});
    SF_TRY_ASSIGN(t->process_, ChildProcess::start({o.binary, "--interface", o.peer, "--address", address},
                                                   t->dir_ + "/sf-linuxnet.log"));
    SF_TRY(t->wait_until_in_own_namespace());
    const std::vector<std::string> add = {"ip",
                                          "link",
                                          "add",
                                          o.veth,
                                          "type",
                                          "veth",
                                          "peer",
                                          "name",
                                          o.peer,
                                          "netns",
                                          std::to_string(t->process_->pid())};
    SF_TRY_ASSIGN(CommandOutput added, run_command(add, std::chrono::seconds(10)));
    if (added.exit_status != 0)
        return error("ip link add {} type veth peer name {}: {}", o.veth, o.peer, added.output);
    SF_TRY(configure_ipv4_link(o.veth, host.ip, host.prefix_len));
    if (auto answering = wait_until_answering(t->ip_, "sf-linuxnet"); !answering)
        return error("{}\n{}", answering.error().message, t->process_->log_tail(5));
    return t;
}

// sf-linuxnet unshares first thing; the veth's peer can only be moved once it has.
Result<void> LinuxTarget::wait_until_in_own_namespace() {
    const std::string ours = namespace_of("/proc/self");
    const std::string proc = "/proc/" + std::to_string(process_->pid());
    for (auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
         std::chrono::steady_clock::now() < give_up;) {
        if (!process_->running())
            return error("sf-linuxnet {}\n{}", process_->describe_exit(), process_->log_tail(5));
        const std::string theirs = namespace_of(proc);
        if (!theirs.empty() && theirs != ours) return ok();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return error("sf-linuxnet did not enter a namespace of its own within 5 s\n{}", process_->log_tail(5));
}

} // namespace sf::bench
