// sf-bench net: targets; see net_targets.h.
#include "bench/net/net_targets.h"

#include "bench/common/icmp_pinger.h"
#include "bench/net/net_parsers.h"

#include "net/ipv4_address.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace sf::bench {

Result<void> wait_until_answering(uint32_t ip, const std::string& what) {
    SF_TRY_ASSIGN(auto pinger, IcmpPinger::create());
    auto answered = pinger->ping(ip, std::chrono::milliseconds(100), 50);
    if (!answered)
        return error("{} at {} does not answer ping: {}", what, net::Ipv4Address(ip).to_string(),
                     answered.error().message);
    return ok();
}

Result<std::unique_ptr<GuestTargets>> GuestTargets::start(const GuestTargetOptions& o) {
    std::unique_ptr<GuestTargets> t(new GuestTargets);
    SF_TRY_ASSIGN(t->sfd_, SfdProcess::start(o.sfd, o.sfd_args));
    SF_TRY(t->sfd_->wait_ready(std::chrono::seconds(10)));
    t->client_ = std::make_unique<SfdClient>(t->sfd_->socket_path());
    SF_TRY(t->client_->create_network(o.network, o.subnet));
    SF_TRY_ASSIGN(t->ping_ip_, t->create(o, "ping"));
    SF_TRY_ASSIGN(t->udp_ip_, t->create(o, "udpecho"));
    SF_TRY_ASSIGN(t->http_ip_, t->create(o, "httpd"));
    for (auto [ip, image] : {std::pair{t->ping_ip_, "ping"}, {t->udp_ip_, "udpecho"}, {t->http_ip_, "httpd"}})
        SF_TRY(wait_until_answering(ip, fmt::format("guest {}", image)));
    return t;
}

Result<uint32_t> GuestTargets::create(const GuestTargetOptions& o, const std::string& image) {
    GuestRequest request;
    request.name = "net-" + image;
    request.image = o.guests_dir + "/" + image;
    request.mem = o.mem;
    request.net = o.network;
    SF_TRY_ASSIGN(CreatedGuest guest, client_->create_guest(request));
    guests_.push_back(guest.id);
    if (guest.ip.empty()) return error("guest {}: the created guest shows no nic.ip", image);
    SF_TRY_ASSIGN(net::Ipv4Address ip, net::Ipv4Address::parse(guest.ip));
    return ip.value();
}

bool GuestTargets::alive(std::string& why) {
    if (sfd_->running()) return true;
    why = fmt::format("sfd {}\n{}", sfd_->stop(), sfd_->log_tail(10));
    return false;
}

GuestTargets::~GuestTargets() {
    if (sfd_ && sfd_->running())
        for (uint64_t id : guests_)
            if (auto destroyed = client_->destroy_guest(id); !destroyed)
                fmt::print(stderr, "sf-bench net: {}\n", destroyed.error().message);
    client_.reset();
    if (sfd_) {
        const std::string ended = sfd_->stop();
        if (!sfd_->exited_cleanly())
            fmt::print(stderr, "sf-bench net: sfd {}\n{}\n", ended, sfd_->log_tail(10));
    }
}

Result<std::unique_ptr<HostTarget>> HostTarget::start(const HostTargetOptions& o) {
    SF_TRY_ASSIGN(InterfaceAddress host, parse_interface_address(o.host_address));
    std::unique_ptr<HostTarget> t(new HostTarget);
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/sf-hostnet-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return error("mkdtemp {}: {}", pattern, std::strerror(errno));
    t->dir_ = pattern;
    t->ip_ = host.ip + 1;
    SF_TRY_ASSIGN(t->process_,
                  ChildProcess::start({o.binary, "--tap", o.tap, "--host-address", o.host_address},
                                      t->dir_ + "/sf-hostnet.log"));
    if (auto answering = wait_until_answering(t->ip_, "sf-hostnet"); !answering)
        return error("{}\n{}", answering.error().message, t->process_->log_tail(5));
    return t;
}

bool BaselineProcess::alive(std::string& why) {
    if (process_->running()) return true;
    why = fmt::format("{} {}\n{}", name_, process_->stop(), process_->log_tail(10));
    return false;
}

BaselineProcess::~BaselineProcess() {
    if (process_) process_->stop();
    process_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

} // namespace sf::bench
