// superfluid store: the dispatcher's watch, transaction and domain messages.
#include "store/dispatch_context.h"
#include "store/path.h"

namespace sf::store::detail {

namespace {

// The single "<domid>\0" argument, or EINVAL sent and nullopt.
std::optional<DomainId> domid_arg(const Request& r) {
    auto arg = args::exactly<1>(r.payload);
    auto domid = arg ? args::parse_u32((*arg)[0]) : std::nullopt;
    if (!domid) r.fail(StoreError::Invalid);
    return domid;
}

} // namespace

void handle_watch(const Request& r) {
    auto arg = args::exactly<2>(r.payload);
    if (!arg) return r.fail(StoreError::Invalid);
    r.ack(r.store.watch(r.c, (*arg)[0], (*arg)[1]));
}

void handle_unwatch(const Request& r) {
    auto arg = args::exactly<2>(r.payload);
    if (!arg) return r.fail(StoreError::Invalid);
    r.ack(r.store.unwatch(r.c, (*arg)[0], (*arg)[1]));
}

void handle_transaction_start(const Request& r) {
    if (r.tx() != 0) return r.fail(StoreError::Busy); // xenstored: no nested transactions
    auto tx = r.store.transaction_start(r.c);
    if (!tx) return r.fail(tx.error());
    std::string id = std::to_string(*tx);
    id += '\0';
    r.reply(id);
}

void handle_transaction_end(const Request& r) {
    auto arg = args::exactly<1>(r.payload);
    if (!arg || ((*arg)[0] != "T" && (*arg)[0] != "F")) return r.fail(StoreError::Invalid);
    if (r.tx() == 0) return r.fail(StoreError::NotFound);
    r.ack(r.store.transaction_end(r.c, r.tx(), (*arg)[0] == "T"));
}

void handle_get_domain_path(const Request& r) {
    auto domid = domid_arg(r);
    if (!domid) return;
    std::string path = domain_path(*domid);
    path += '\0';
    r.reply(path);
}

void handle_introduce(const Request& r) {
    auto arg = args::exactly<3>(r.payload);
    auto domid = arg ? args::parse_u32((*arg)[0]) : std::nullopt;
    if (!domid) return r.fail(StoreError::Invalid);
    r.ack(r.store.introduce_domain(r.c, *domid));
}

void handle_release(const Request& r) {
    if (auto domid = domid_arg(r)) r.ack(r.store.release_domain(r.c, *domid));
}

void handle_is_domain_introduced(const Request& r) {
    auto domid = domid_arg(r);
    if (!domid) return;
    auto introduced = r.store.is_domain_introduced(r.c, *domid);
    if (!introduced) return r.fail(introduced.error());
    r.reply(*introduced ? std::string_view("T\0", 2) : std::string_view("F\0", 2));
}

// Nothing to resume on KVM: succeeds for an introduced domain, as xenstored.
void handle_resume(const Request& r) {
    auto domid = domid_arg(r);
    if (!domid) return;
    auto introduced = r.store.is_domain_introduced(r.c, *domid);
    if (!introduced) return r.fail(introduced.error());
    if (!*introduced) return r.fail(StoreError::NotFound);
    r.reply(kOk);
}

void handle_reset_watches(const Request& r) {
    r.ack(r.store.reset_watches(r.c));
}

} // namespace sf::store::detail
