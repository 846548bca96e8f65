// sf-linuxnet: the HTTP answers of sf-bench net's Linux baseline.
//
// The same bytes the guests' HttpServer (guest/net/apps/http_server.cpp)
// sends, so that the kernel's stack moves the same frames: GET / answers 200
// with HttpServer::kBuiltinPage; any other path 404 "not found\n"; another
// method 405 "method not allowed\n"; a malformed head, or one announcing a
// body, 400 "bad request\n" and the connection closes after it. HTTP/1.1
// keeps the connection unless "Connection: close"; HTTP/1.0 closes unless
// "Connection: keep-alive". (The guests' GET /stats, their counters, is not
// served: it answers 404 here.) The request is read by the guests' own parser
// (sf/net/http_request.h). Pure functions over text, unit-tested.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sf::bench {

// The length of the request head at the start of `in`, through its blank
// line ("\r\n\r\n" or "\n\n"); 0 while it is not complete.
size_t http_head_length(std::string_view in);

struct HttpAnswer {
    int status = 0;
    std::string bytes;  // head and body, ready to send
    bool close = false; // close the connection once it is sent
};

// The answer to one complete request head (as http_head_length() cut it).
HttpAnswer http_answer(std::string_view head);

} // namespace sf::bench
