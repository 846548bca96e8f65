// superfluid toolstack: the Host and Commit records' JSON.
#include "host/migration/guest_description.h"

#include "common/json_fields.h"
#include "host/create_request_parser.h"

namespace sf::host {
namespace {

Result<std::string> text(const nlohmann::json& j, const char* key, bool required = true) {
    auto it = j.find(key);
    if (it == j.end() && !required) return std::string();
    if (it == j.end() || !it->is_string())
        return error(ErrorKind::InvalidArgument, "guest description: no {:?}", key);
    return it->get<std::string>();
}

Result<uint64_t> number(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned())
        return error(ErrorKind::InvalidArgument, "guest description: no {:?}", key);
    return it->get<uint64_t>();
}

} // namespace

nlohmann::json GuestDescription::to_json() const {
    nlohmann::json j = {{"name", name},   {"image", image},  {"mem", mem_size}, {"cmdline", cmdline},
                        {"store", store}, {"id", source_id}, {"paused", paused}};
    if (nic)
        j["nic"] = {{"network", nic->network}, {"subnet", nic->subnet}, {"mac", nic->mac}, {"ip", nic->ip}};
    return j;
}

Result<GuestDescription> GuestDescription::from_json(const nlohmann::json& j) {
    if (!j.is_object()) return error(ErrorKind::InvalidArgument, "guest description: not a JSON object");
    GuestDescription d;
    SF_TRY_ASSIGN(d.name, text(j, "name"));
    SF_TRY_ASSIGN(d.image, text(j, "image"));
    SF_TRY_ASSIGN(d.mem_size, number(j, "mem"));
    SF_TRY_ASSIGN(d.cmdline, text(j, "cmdline", false));
    SF_TRY_ASSIGN(d.source_id, number(j, "id"));
    d.store = bool_field(j, "store", false);
    d.paused = bool_field(j, "paused", false);
    if (auto it = j.find("nic"); it != j.end() && !it->is_null()) {
        if (!it->is_object())
            return error(ErrorKind::InvalidArgument, "guest description: \"nic\" is not an object");
        DescribedNic nic;
        SF_TRY_ASSIGN(nic.network, text(*it, "network"));
        SF_TRY_ASSIGN(nic.subnet, text(*it, "subnet"));
        SF_TRY_ASSIGN(nic.mac, text(*it, "mac"));
        SF_TRY_ASSIGN(nic.ip, text(*it, "ip"));
        d.nic = std::move(nic);
    }
    if (Result<void> named = check_guest_name(d.name); !named)
        return error(ErrorKind::InvalidArgument, "guest description: {}", named.error().message);
    return d;
}

nlohmann::json data_to_json(const std::vector<DataEntry>& entries) {
    nlohmann::json list = nlohmann::json::array();
    for (const DataEntry& e : entries)
        list.push_back({e.path, e.value});
    return {{"data", std::move(list)}};
}

Result<std::vector<DataEntry>> data_from_json(const nlohmann::json& j) {
    auto it = j.find("data");
    if (!j.is_object() || it == j.end() || !it->is_array())
        return error(ErrorKind::InvalidArgument, "commit record: no \"data\" list");
    if (it->size() > GuestStore::kDataEntriesMax)
        return error(ErrorKind::InvalidArgument, "commit record: {} store entries (at most {})", it->size(),
                     GuestStore::kDataEntriesMax);
    std::vector<DataEntry> out;
    for (const auto& pair : *it) {
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
            return error(ErrorKind::InvalidArgument, "commit record: an entry is not [path, value]");
        out.push_back({pair[0].get<std::string>(), pair[1].get<std::string>()});
    }
    return out;
}

} // namespace sf::host
