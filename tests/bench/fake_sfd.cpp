// sf-fake-sfd: a stand-in for sfd that speaks the guest routes of its API
// (POST/GET /v1/guests, DELETE /v1/guests/{id-or-name}, GET /v1/host) over a
// unix socket, runs no guests, and answers a create after a configurable
// delay. For testing `sf-bench storm` without KVM or the real daemon.
//
// Options: --socket PATH (required), --delay-ms MS per create (default 0.2),
// --touch-kib K host memory allocated and touched per guest (default 0),
// --fail-every K (every K-th create answers 500; 0 never), --workers N and
// --pool N (accepted, reported in /v1/host), --oci-runtime NAME,
// --prepare-cgroups and --container-pool N (accepted, reported in /v1/host:
// what `sf-bench storm --kind container` passes). A create with "kind":
// "container" needs "rootfs" (an absolute directory) and may have "args" (an
// array of strings); it runs nothing either. --expect-container-pool N makes
// such a create fail (500) unless it was started with --container-pool N and
// --prepare-cgroups (-1: without --container-pool): a test that sf-bench
// passed them. Stops on SIGTERM or SIGINT.
#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace {

using nlohmann::json;

struct Options {
    std::string socket;
    double delay_ms = 0.2;
    size_t touch_kib = 0;
    uint64_t fail_every = 0;
    uint64_t dead_every = 0;
    int workers = 2;
    int pool = 0;
    std::string oci_runtime;
    bool prepare_cgroups = false;
    int container_pool = -1;        // -1: not given
    int expect_container_pool = -2; // -2: any; else a container create fails unless --container-pool is this
};

struct FakeGuest {
    json object;
    std::unique_ptr<char[]> memory; // --touch-kib, touched
};

class FakeDaemon {
  public:
    explicit FakeDaemon(Options options) : options_(std::move(options)) {}

    void create(const httplib::Request& req, httplib::Response& res);
    void list(httplib::Response& res);
    void destroy(const std::string& ref, httplib::Response& res);
    void host(httplib::Response& res);

  private:
    static void fail(httplib::Response& res, int status, const std::string& message) {
        res.status = status;
        res.set_content(json{{"error", message}}.dump(), "application/json");
    }
    std::string check_request(const json& body);
    static std::string check_container(const json& body);
    std::map<uint64_t, FakeGuest>::iterator find(const std::string& ref);

    Options options_;
    std::mutex mutex_;
    std::map<uint64_t, FakeGuest> guests_;
    uint64_t next_id_ = 1;
    uint64_t creates_ = 0;
};

// An error message for a bad create body; empty if it is fine.
std::string FakeDaemon::check_request(const json& body) {
    static const std::set<std::string> known{"image",           "name", "mem",    "cmdline", "start", "wait",
                                             "wait_timeout_ms", "kind", "rootfs", "args"};
    if (!body.is_object()) return "the body is not a JSON object";
    for (const auto& item : body.items())
        if (!known.contains(item.key())) return "unknown field '" + item.key() + "'";
    if (body.contains("kind") && body["kind"] != "vm" && body["kind"] != "container")
        return "kind: expected \"vm\" or \"container\"";
    if (body.value("kind", "vm") == "container") {
        if (options_.expect_container_pool != -2 &&
            (options_.container_pool != options_.expect_container_pool || !options_.prepare_cgroups))
            return "started with --container-pool " + std::to_string(options_.container_pool) +
                   (options_.prepare_cgroups ? "" : " and without --prepare-cgroups") + ", expected " +
                   std::to_string(options_.expect_container_pool);
        return check_container(body);
    }
    for (const char* field : {"rootfs", "args"})
        if (body.contains(field)) return std::string(field) + ": only for \"kind\": \"container\"";
    if (!body.contains("image") || !body["image"].is_string()) return "missing field 'image'";
    const std::string image = body["image"];
    if (image.empty() || image[0] != '/' || ::access(image.c_str(), R_OK) != 0)
        return image + ": cannot read image";
    if (body.contains("name") && !body["name"].is_string()) return "'name' is not a string";
    return "";
}

std::string FakeDaemon::check_container(const json& body) {
    for (const char* field : {"image", "cmdline"})
        if (body.contains(field)) return std::string(field) + ": only for \"kind\": \"vm\"";
    if (!body.contains("rootfs") || !body["rootfs"].is_string()) return "rootfs: required (a directory)";
    const std::string rootfs = body["rootfs"];
    struct stat st {};
    if (rootfs.empty() || rootfs[0] != '/' || ::stat(rootfs.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return "rootfs: " + rootfs + " is not a directory";
    if (body.contains("args")) {
        const json& args = body["args"];
        if (!args.is_array() || args.empty()) return "args: expected a non-empty array of strings";
        for (const json& arg : args)
            if (!arg.is_string()) return "args: expected a non-empty array of strings";
    }
    return "";
}

void FakeDaemon::create(const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    json body = json::parse(req.body, nullptr, false);
    if (std::string problem = check_request(body); !problem.empty()) return fail(res, 400, problem);
    const std::string name = body.value("name", "");
    uint64_t id = 0;
    {
        std::lock_guard lock(mutex_);
        if (options_.fail_every > 0 && ++creates_ % options_.fail_every == 0)
            return fail(res, 500, "fake failure (--fail-every)");
        for (const auto& [other_id, guest] : guests_)
            if (!name.empty() && guest.object["name"] == name)
                return fail(res, 409, "name '" + name + "' is in use");
        id = next_id_++;
        guests_[id].object = {{"id", id}, {"name", name.empty() ? "guest-" + std::to_string(id) : name}};
    }
    // What an sfd before issue 17 answered for a guest that exited before any output.
    const bool dead = options_.dead_every > 0 && id % options_.dead_every == 0;
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(options_.delay_ms));
    std::unique_ptr<char[]> memory;
    if (options_.touch_kib > 0) {
        memory = std::make_unique<char[]>(options_.touch_kib * 1024);
        std::memset(memory.get(), 1, options_.touch_kib * 1024);
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::lock_guard lock(mutex_);
    FakeGuest& guest = guests_[id];
    guest.memory = std::move(memory);
    if (body.value("kind", "vm") == "container")
        guest.object.update(
            {{"kind", "container"}, {"rootfs", body["rootfs"]}, {"args", body.value("args", json::array())}});
    else
        guest.object.update(
            {{"kind", "vm"}, {"image", body["image"]}, {"cmdline", body.value("cmdline", "")}});
    guest.object.update({{"mem", 4194304},
                         {"state", dead ? "exited" : "running"},
                         {"exit_status", dead ? json(1) : json(nullptr)},
                         {"reason", nullptr},
                         {"worker", 0},
                         {"created_at", "1970-01-01T00:00:00Z"},
                         {"first_output_ms", dead ? json(nullptr) : json(ms)},
                         {"console_bytes", dead ? 0 : 30}});
    res.status = 201;
    res.set_content(guest.object.dump(), "application/json");
}

std::map<uint64_t, FakeGuest>::iterator FakeDaemon::find(const std::string& ref) {
    for (auto it = guests_.begin(); it != guests_.end(); ++it)
        if (std::to_string(it->first) == ref || it->second.object["name"] == ref) return it;
    return guests_.end();
}

void FakeDaemon::list(httplib::Response& res) {
    std::lock_guard lock(mutex_);
    json out = json::array();
    for (const auto& [id, guest] : guests_)
        out.push_back(guest.object);
    res.set_content(json{{"guests", out}}.dump(), "application/json");
}

void FakeDaemon::destroy(const std::string& ref, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    auto it = find(ref);
    if (it == guests_.end()) return fail(res, 404, "no guest '" + ref + "'");
    guests_.erase(it);
    res.set_content("{}", "application/json");
}

void FakeDaemon::host(httplib::Response& res) {
    std::lock_guard lock(mutex_);
    json out = {{"fake", true},
                {"workers", options_.workers},
                {"pool", options_.pool},
                {"guests", guests_.size()},
                {"oci_runtime", options_.oci_runtime},
                {"prepare_cgroups", options_.prepare_cgroups},
                {"container_pool", options_.container_pool}};
    res.set_content(out.dump(), "application/json");
}

void add_routes(httplib::Server& server, FakeDaemon& daemon) {
    server.Post("/v1/guests",
                [&](const httplib::Request& req, httplib::Response& res) { daemon.create(req, res); });
    server.Get("/v1/guests", [&](const httplib::Request&, httplib::Response& res) { daemon.list(res); });
    server.Delete(R"(/v1/guests/([^/]+))", [&](const httplib::Request& req, httplib::Response& res) {
        daemon.destroy(req.matches[1], res);
    });
    server.Get("/v1/host", [&](const httplib::Request&, httplib::Response& res) { daemon.host(res); });
}

int serve(const Options& options) {
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr); // every thread inherits the mask
    FakeDaemon daemon(options);
    httplib::Server server;
    server.set_address_family(AF_UNIX);
    server.set_keep_alive_max_count(1000000);
    add_routes(server, daemon);
    std::thread stopper([&] {
        int signal_number = 0;
        sigwait(&stop_signals, &signal_number);
        server.stop();
    });
    ::unlink(options.socket.c_str());
    const bool listened = server.listen(options.socket.c_str(), 80);
    if (!listened) {
        std::fprintf(stderr, "sf-fake-sfd: cannot listen on %s\n", options.socket.c_str());
        ::kill(::getpid(), SIGTERM); // ends the stopper thread
    }
    stopper.join();
    ::unlink(options.socket.c_str());
    return listened ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"sf-fake-sfd: a fake sfd for sf-bench storm tests (no guests)"};
    app.add_option("--socket", options.socket, "Unix socket to listen on")->required();
    app.add_option("--delay-ms", options.delay_ms, "Delay of each create")->capture_default_str();
    app.add_option("--touch-kib", options.touch_kib, "Memory touched per guest")->capture_default_str();
    app.add_option("--fail-every", options.fail_every, "Every K-th create fails (0: none)")
        ->capture_default_str();
    app.add_option("--dead-every", options.dead_every,
                   "Every K-th guest (by id) is answered 201 but exited with no output (0: none)")
        ->capture_default_str();
    app.add_option("--workers", options.workers, "Reported only");
    app.add_option("--pool", options.pool, "Reported only");
    app.add_option("--oci-runtime", options.oci_runtime, "Reported only");
    app.add_flag("--prepare-cgroups", options.prepare_cgroups, "Reported only");
    app.add_option("--container-pool", options.container_pool, "Reported only");
    app.add_option("--expect-container-pool", options.expect_container_pool,
                   "Container creates fail unless --container-pool was this and --prepare-cgroups given");
    CLI11_PARSE(app, argc, argv);
    return serve(options);
}
