// superfluid toolstack: ApiServer, the HTTP server around ApiRoutes.
#include "host/api_server.h"

#include "host/api_routes.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
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

std::string status_text(int status) {
    switch (status) {
    case 400: return "bad request";
    case 401: return "unauthorized";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 408: return "request timed out";
    case 413: return fmt::format("request body larger than {} bytes", ApiServer::kMaxBodyBytes);
    case 414: return "request URI too long";
    case 500: return "internal error";
    default: return fmt::format("HTTP status {}", status);
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

// Fixes three things in a request before httplib routes it; the Request it
// passes is its own non-const local, so changing it here is safe.
// - The API never compresses: its bodies are small and local, and a
//   compressed console stream would sit in the compressor until the guest
//   ends. httplib decides from Accept-Encoding after the handler ran.
// - A request with neither Content-Length nor Transfer-Encoding has no body
//   (RFC 9112, 6.3); httplib would wait for the client to close instead
//   (`curl -X POST .../start` would hang until the read timeout).
// - A body that is not JSON is read as plain bytes, for the gate to refuse
//   with 415 (ApiRequestGate::set_aside_content_type).
void normalize_request(const httplib::Request& request) {
    auto& mutable_request = const_cast<httplib::Request&>(request);
    mutable_request.headers.erase("Accept-Encoding");
    if (!request.has_header("Content-Length") && !request.has_header("Transfer-Encoding"))
        mutable_request.headers.emplace("Content-Length", "0");
    ApiRequestGate::set_aside_content_type(mutable_request);
}

void answer_refusal(const ApiRefusal& refusal, httplib::Response& response) {
    response.status = refusal.status;
    if (refusal.retry_after) response.set_header("Retry-After", std::to_string(refusal.retry_after->count()));
    if (refusal.wants_token) response.set_header("WWW-Authenticate", "Bearer");
    response.set_content(error_body(refusal.message), "application/json");
}

// The HTTP server: plain, or TLS 1.3 only with the given certificate and key.
Result<std::unique_ptr<httplib::Server>> make_http_server(const ListenAddress& address,
                                                          const ApiServerOptions& options) {
    const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
    if (address.is_unix()) {
        if (tls)
            return error(ErrorKind::InvalidArgument, "TLS is for TCP listeners, not {}", address.to_string());
        return std::make_unique<httplib::Server>();
    }
    if (!options.tokens)
        return error(ErrorKind::InvalidArgument, "the API on {} needs tokens: TCP clients must authenticate",
                     address.to_string());
    if (!tls && !address.is_loopback())
        return error(ErrorKind::InvalidArgument,
                     "the API on {} (not loopback) needs TLS: --tls-cert and --tls-key", address.to_string());
    if (!tls) return std::make_unique<httplib::Server>();
    if (options.tls_cert.empty() || options.tls_key.empty())
        return error(ErrorKind::InvalidArgument, "TLS needs both a certificate and a key file");
    auto server = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
    if (!server->is_valid())
        return error(ErrorKind::InvalidArgument,
                     "cannot load the TLS certificate {} and key {} (PEM, matching?)", options.tls_cert,
                     options.tls_key);
    if (SSL_CTX_set_min_proto_version(server->ssl_context(), TLS1_3_VERSION) != 1)
        return error("this OpenSSL cannot do TLS 1.3");
    return std::unique_ptr<httplib::Server>(std::move(server));
}

ApiRequestGate::Options gate_options(const ListenAddress& address, const ApiServerOptions& options) {
    ApiRequestGate::Options gate;
    gate.remote = !address.is_unix();
    gate.tokens = options.tokens;
    gate.port = address.port;
    gate.hosts = options.host_names;
    gate.hosts.push_back(address.host);
    if (address.is_loopback()) gate.hosts.push_back("localhost");
    return gate;
}

void log_request(const httplib::Request& request, const httplib::Response& response) {
    fmt::print(stderr, "sfd: {} {} {}\n", request.method, request.path, response.status);
}

} // namespace

ApiServer::ApiServer(ApiServices services, ListenAddress address, const ApiServerOptions& options,
                     std::unique_ptr<httplib::Server> http)
    : address_(std::move(address)), tls_(!options.tls_cert.empty()),
      routes_(
          std::make_unique<ApiRoutes>(services, address_.is_unix() ? options.tokens : nullptr, stopping_)),
      server_(std::move(http)) {
    configure(options.verbose);
}

ApiServer::~ApiServer() {
    stop();
}

Result<std::unique_ptr<ApiServer>> ApiServer::create(ApiServices services, const ListenAddress& address,
                                                     ApiServerOptions options) {
    std::signal(SIGPIPE, SIG_IGN);
    SF_TRY_ASSIGN(std::unique_ptr<httplib::Server> http, make_http_server(address, options));
    std::unique_ptr<ApiServer> server(new ApiServer(services, address, options, std::move(http)));
    SF_TRY(server->bind());
    server->gate_ = std::make_unique<ApiRequestGate>(gate_options(server->address_, options));
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
    http.set_pre_routing_handler([](const httplib::Request& request, httplib::Response&) {
        normalize_request(request);
        return httplib::Server::HandlerResponse::Unhandled;
    });
    // Every method and path goes through the gate to ApiRoutes, which tells 404 from 405. The gate
    // runs once httplib has read the body (at most kMaxBodyBytes, within the read timeout): refused
    // in pre-routing, with the body unread, the client got a reset instead of the answer (closing a
    // socket with unread bytes sends RST), and a kept-alive connection would read the body as a request.
    auto dispatch = [this](const httplib::Request& request, httplib::Response& response) {
        if (std::optional<ApiRefusal> refusal = gate_->check(request))
            return answer_refusal(*refusal, response);
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
        // Inherited by accepted connections: httplib writes a response's head and body apart, and
        // Nagle held the body for the client's delayed ACK (~40 ms a request on a kept-alive connection).
        (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    });
    errno = 0;
    const std::string& host = address_.host;
    int port = address_.port == 0 ? server_->bind_to_any_port(host)
                                  : (server_->bind_to_port(host, address_.port) ? address_.port : -1);
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
