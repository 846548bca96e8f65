// Tests: ApiTransfer, the fixture of the save, restore and migrate tests: an
// ApiFixture with a POST for each transfer route, the names of the guests the
// FakeGuestService holds, and a snapshot file in the test's directory. Used
// by the routes' tests (tests/host/api_transfer_test.cpp) and by sfctl's save,
// restore and migrate against them (tests/cli/sfctl_transfer_test.cpp).
#pragma once

#include "api_test_support.h"

#include <string>
#include <vector>

namespace sf::test {

class ApiTransfer : public ApiFixture {
  protected:
    httplib::Result post(const std::string& path, const std::string& body) {
        return client().Post(path.c_str(), body, "application/json");
    }
    httplib::Result post(const std::string& path, const nlohmann::json& body) {
        return post(path, body.dump());
    }
    httplib::Result save(const std::string& ref, const nlohmann::json& body) {
        return post("/v1/guests/" + ref + "/save", body);
    }
    httplib::Result restore(const nlohmann::json& body) { return post("/v1/guests/restore", body); }
    httplib::Result migrate(const std::string& ref, const nlohmann::json& body) {
        return post("/v1/guests/" + ref + "/migrate", body);
    }
    std::vector<std::string> names() {
        std::vector<std::string> out;
        auto list = service.list(); // held: a range-for over *service.list() would outlive it
        for (const auto& info : *list)
            out.push_back(info.name);
        return out;
    }
    std::string snap() const { return dir / "web.snap"; }
};

} // namespace sf::test
