// superfluid toolstack: parsing of save, restore and migrate requests.
#include "host/transfer_request_parser.h"

#include "host/create_request_parser.h"

#include <initializer_list>

namespace sf::host {
namespace {

using nlohmann::json;

Result<void> only_known(const json& object, std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : object.items()) {
        bool found = false;
        for (std::string_view k : known)
            found = found || key == k;
        if (!found) {
            std::string list;
            for (std::string_view k : known)
                list += (list.empty() ? "" : ", ") + std::string(k);
            return error(ErrorKind::InvalidArgument, "unknown field {:?} (known: {})", key, list);
        }
    }
    return ok();
}

Result<bool> optional_bool(const json& object, const char* field, bool fallback) {
    auto it = object.find(field);
    if (it == object.end()) return fallback;
    if (!it->is_boolean()) return error(ErrorKind::InvalidArgument, "{}: must be true or false", field);
    return it->get<bool>();
}

// Which file of the snapshot directory it is, is the service's to decide (SnapshotDir).
Result<std::string> snapshot_file(const json& object) {
    auto it = object.find("file");
    if (it == object.end())
        return error(ErrorKind::InvalidArgument, "file: required (a name in the snapshot directory)");
    SF_TRY_ASSIGN(std::string file, string_field(*it, "file"));
    if (file.empty()) return error(ErrorKind::InvalidArgument, "file: must not be empty");
    return file;
}

} // namespace

Result<SaveRequest> parse_save_request(std::string_view body) {
    SF_TRY_ASSIGN(const json object, parse_json_object(body));
    SF_TRY(only_known(object, {"file", "keep"}));
    SaveRequest request;
    SF_TRY_ASSIGN(request.file, snapshot_file(object));
    SF_TRY_ASSIGN(request.keep, optional_bool(object, "keep", false));
    return request;
}

Result<RestoreRequest> parse_restore_request(std::string_view body) {
    SF_TRY_ASSIGN(const json object, parse_json_object(body));
    SF_TRY(only_known(object, {"file", "name", "start"}));
    RestoreRequest request;
    SF_TRY_ASSIGN(request.file, snapshot_file(object));
    if (auto it = object.find("name"); it != object.end()) {
        SF_TRY_ASSIGN(request.name, string_field(*it, "name"));
        SF_TRY(check_guest_name(request.name)); // the rules of a created guest's name
    }
    SF_TRY_ASSIGN(request.start, optional_bool(object, "start", true));
    return request;
}

Result<MigrateRequest> parse_migrate_request(std::string_view body) {
    SF_TRY_ASSIGN(const json object, parse_json_object(body));
    SF_TRY(only_known(object, {"to"}));
    auto it = object.find("to");
    if (it == object.end()) return error(ErrorKind::InvalidArgument, "to: required (\"HOST[:PORT]\")");
    MigrateRequest request;
    SF_TRY_ASSIGN(request.to, string_field(*it, "to"));
    if (request.to.empty()) return error(ErrorKind::InvalidArgument, "to: must name a host");
    return request;
}

} // namespace sf::host
