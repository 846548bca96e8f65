// superfluid toolstack: ApiRoutes, the route table of sfd's API (docs/api.yaml)
// and one named handler per route. ApiServer hands every request to
// dispatch(); the handlers call the services (ApiServices) and turn their results
// into JSON, and their errors into {"error": "..."} with the status of their kind.
//
// Threading: dispatch() runs on the server's pool threads, many at once; it
// keeps no state of its own. A console follow blocks its thread until the
// guest ends, the client goes away or `stopping` becomes true.
#pragma once

#include "host/api_tokens.h"
#include "host/guest_service.h"

#include <atomic>
#include <string>
#include <vector>

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace sf::host {

// The HTTP status of an error kind (400, 403, 404, 409, 503, 500).
int http_status(ErrorKind kind);
// {"error": message} as a response body, on one line whatever the message holds.
std::string error_body(std::string_view message);

class ApiRoutes {
  public:
    // `tokens`: managed through /v1/tokens; null: those routes answer 503
    // (a TCP listener's routes get none: tokens are the unix socket's).
    ApiRoutes(ApiServices services, ApiTokens* tokens, const std::atomic<bool>& stopping)
        : services_(services), tokens_(tokens), stopping_(stopping) {}

    // Finds the route of the request's method and path and runs it: 404 when
    // no route has that path, 405 (with Allow) when none has that method.
    void dispatch(const httplib::Request& request, httplib::Response& response);

  private:
    using Handler = void (ApiRoutes::*)(const httplib::Request&, httplib::Response&, const std::string& ref);
    struct Route {
        const char* method;
        const char* pattern; // segments; "{ref}" matches one (a guest's id or name, a network's name)
        Handler handler;
    };
    static const std::vector<Route>& routes();

    void create_guest(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void list_guests(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void get_guest(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void start_guest(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void pause_guest(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void resume_guest(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void destroy_guest(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void guest_logs(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void guest_console(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void host_info(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void save_guest(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void restore_guest(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void migrate_guest(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void create_network(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void list_networks(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void get_network(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void remove_network(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void create_token(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void list_tokens(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    void revoke_token(const httplib::Request& request, httplib::Response& response, const std::string& ref);
    Result<ApiTokens*> tokens() const;

    // Sends the guest's console until it ends; false when cut short.
    bool stream_console(const std::string& ref, const std::function<bool(std::string_view)>& write,
                        const std::function<bool()>& is_writable);

    ApiServices services_;
    ApiTokens* tokens_;
    const std::atomic<bool>& stopping_;
};

} // namespace sf::host
