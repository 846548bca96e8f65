// superfluid toolstack: ApiServer, the HTTP server around ApiRoutes.
#include "host/api_server.h"

#include "host/api_routes.h"

#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace sf::host {
namespace {

constexpr time_t kReadTimeoutSec = 5;
constexpr time_t kWriteTimeoutSec = 5;
constexpr time_t kKeepAliveIdleSec = 2;
constexpr size_t kKeepAliveMaxRequests = 100;
constexpr const char* kLoopbackHost = "127.0.0.1";

std::string status_text(int status) {
    switch (status) {
    case 400:
        return "bad request";
    case 404:
        return "not found";
    case 405:
        return "method not allowed";
    case 408:
        return "request timed out";
    case 413:
        return fmt::format("request body larger than {} bytes", ApiServer::kMaxBodyBytes);
    case 414:
        return "request URI too long";
    case 500:
        return "internal error";
    default:
        return fmt::format("HTTP status {}", status);
    }
}

std::string errno_text() {
    return errno != 0 ? std::strerror(errno) : "unknown error";
}

// httplib answers some errors itself (a malformed request, a body over the
// limit) with an empty body: give those the API's error shape too.
void fill_error_body(const httplib::Request&, httplib::Response& response) {
    if (response.body.empty())
        response.set_content(error_body(status_text(response.status)), "application/json");
}

void answer_exception(const httplib::Request&, httplib::Response& response, std::exception_ptr thrown) {
    std::string what = "unknown exception";
    try {
        std::rethrow_exception(thrown);
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
    }
    response.status = 500;
    response.set_content(error_body("internal error: " + what), "application/json");
}

// Fixes two things in a request before httplib routes it; the Request it
// passes is its own non-const local, so changing it here is safe.
// - The API never compresses: its bodies are small and local, and a
//   compressed console stream would sit in the compressor until the guest
//   ends. httplib decides from Accept-Encoding after the handler ran.
// - A request with neither Content-Length nor Transfer-Encoding has no body
//   (RFC 9112, 6.3); httplib would wait for the client to close instead
//   (`curl -X POST .../start` would hang until the read timeout).
httplib::Server::HandlerResponse normalize_request(const httplib::Request& request, httplib::Response&) {
    auto& mutable_request = const_cast<httplib::Request&>(request);
    mutable_request.headers.erase("Accept-Encoding");
    if (!request.has_header("Content-Length") && !request.has_header("Transfer-Encoding"))
        mutable_request.headers.emplace("Content-Length", "0");
    return httplib::Server::HandlerResponse::Unhandled;
}

void log_request(const httplib::Request& request, const httplib::Response& response) {
    fmt::print(stderr, "sfd: {} {} {}\n", request.method, request.path, response.status);
}

} // namespace

ApiServer::ApiServer(GuestService& service, ListenAddress address, bool verbose)
    : address_(std::move(address)), routes_(std::make_unique<ApiRoutes>(service, stopping_)),
      server_(std::make_unique<httplib::Server>()) {
    configure(verbose);
}

ApiServer::~ApiServer() {
    stop();
}

Result<std::unique_ptr<ApiServer>> ApiServer::create(GuestService& service, const ListenAddress& address,
                                                     bool verbose) {
    std::signal(SIGPIPE, SIG_IGN);
    std::unique_ptr<ApiServer> server(new ApiServer(service, address, verbose));
    SF_TRY(server->bind());
    return server;
}

void ApiServer::configure(bool verbose) {
    httplib::Server& http = *server_;
    http.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
    http.set_read_timeout(kReadTimeoutSec, 0);
    http.set_write_timeout(kWriteTimeoutSec, 0);
    http.set_keep_alive_timeout(kKeepAliveIdleSec);
    http.set_keep_alive_max_count(kKeepAliveMaxRequests);
    http.set_payload_max_length(kMaxBodyBytes);
    http.set_pre_routing_handler(normalize_request);
    // Every method and path goes to ApiRoutes, which tells 404 from 405.
    auto dispatch = [this](const httplib::Request& request, httplib::Response& response) {
        routes_->dispatch(request, response);
    };
    http.Get(".*", dispatch).Post(".*", dispatch).Put(".*", dispatch).Patch(".*", dispatch);
    http.Delete(".*", dispatch).Options(".*", dispatch);
    http.set_error_handler(fill_error_body);
    http.set_exception_handler(answer_exception);
    if (verbose) http.set_logger(log_request);
}

Result<void> ApiServer::bind() {
    SF_TRY(address_.is_unix() ? bind_unix() : bind_tcp());
    // httplib listens with a backlog of 5: too few for a burst of clients.
    if (::listen(listen_fd_, SOMAXCONN) != 0)
        return error("cannot listen on {}: {}", address_.to_string(), std::strerror(errno));
    return ok();
}

Result<void> ApiServer::bind_unix() {
    const std::string& path = address_.socket_path;
    SF_TRY_ASSIGN(UnixSocketClaim claim, UnixSocketClaim::claim(path));
    server_->set_address_family(AF_UNIX);
    // The socket file is created with the socket inode's mode (Linux), so
    // nobody else can connect between bind() and the chmod() below.
    server_->set_socket_options([this](int fd) {
        listen_fd_ = fd;
        (void)::fchmod(fd, 0600);
    });
    errno = 0;
    if (!server_->bind_to_port(path, 80)) {
        listen_fd_ = -1; // httplib closed it
        return error("cannot listen on {}: {}", path, errno_text());
    }
    claim_ = std::move(claim); // from here on, stop() removes the socket file
    if (::chmod(path.c_str(), 0600) != 0) return error("cannot chmod {}: {}", path, std::strerror(errno));
    return ok();
}

Result<void> ApiServer::bind_tcp() {
    server_->set_socket_options([this](int fd) {
        listen_fd_ = fd;
        int one = 1;
        (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    });
    errno = 0;
    int port = address_.port == 0
                   ? server_->bind_to_any_port(kLoopbackHost)
                   : (server_->bind_to_port(kLoopbackHost, address_.port) ? address_.port : -1);
    if (port <= 0) {
        listen_fd_ = -1; // httplib closed it
        return error("cannot listen on {}: {}", address_.to_string(), errno_text());
    }
    address_.port = port;
    return ok();
}

void ApiServer::start() {
    if (thread_.joinable() || stopped_) return;
    thread_ = std::thread([this] {
        server_->listen_after_bind();
        thread_done_ = true;
    });
    while (!server_->is_running() && !thread_done_)
        std::this_thread::sleep_for(std::chrono::microseconds(100));
}

void ApiServer::stop() {
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    if (thread_.joinable()) {
        server_->stop(); // closes the listening socket; joins the pool, requests in flight finish
        thread_.join();
    } else if (listen_fd_ >= 0) {
        ::close(listen_fd_); // bound but never served
    }
    listen_fd_ = -1;
    if (claim_) {
        ::unlink(claim_->path().c_str());
        claim_.reset();
    }
}

} // namespace sf::host
