// superfluid switch: PortPool.
#include "net/port_pool.h"

#include <algorithm>

namespace sf::net {

Result<std::unique_ptr<PortPool>> PortPool::create(L2Switch& l2_switch, MacAllocator& macs,
                                                   SinkFactory factory, size_t target, bool background) {
    if (!factory) return error(ErrorKind::InvalidArgument, "a port pool needs a sink factory");
    std::unique_ptr<PortPool> pool(new PortPool(l2_switch, macs, std::move(factory), target));
    SF_TRY(pool->refill());
    if (background) pool->refiller_ = std::thread([p = pool.get()] { p->refill_loop(); });
    return pool;
}

PortPool::PortPool(L2Switch& l2_switch, MacAllocator& macs, SinkFactory factory, size_t target)
    : switch_(l2_switch), macs_(macs), factory_(std::move(factory)), target_(target) {}

PortPool::~PortPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (refiller_.joinable()) refiller_.join();
    for (const PoolPort& port : ready_) {
        (void)switch_.remove_port(port.port);
        (void)macs_.release(port.mac);
    }
}

Result<PoolPort> PortPool::create_port(bool enabled) {
    SF_TRY_ASSIGN(MacAddress mac, macs_.allocate());
    auto sink = factory_(mac);
    if (!sink) {
        (void)macs_.release(mac);
        return std::move(sink).error();
    }
    return add_locked_port(mac, std::move(*sink), enabled);
}

// `mac` is claimed by the caller; given back on failure.
Result<PoolPort> PortPool::add_locked_port(MacAddress mac, std::shared_ptr<PortSink> sink, bool enabled) {
    auto port = switch_.add_port(PortOptions{sink, mac, enabled});
    if (!port) {
        (void)macs_.release(mac);
        return std::move(port).error();
    }
    return PoolPort{*port, mac, std::move(sink)};
}

Result<PoolPort> PortPool::make_for(MacAddress mac, std::shared_ptr<PortSink> sink) {
    if (!sink) return error(ErrorKind::InvalidArgument, "a port needs a sink");
    SF_TRY(macs_.claim(mac));
    SF_TRY_ASSIGN(PoolPort port, add_locked_port(mac, std::move(sink), true));
    std::lock_guard lock(mutex_);
    ++counters_.made_for;
    return port;
}

bool PortPool::drop_warm(MacAddress mac) {
    PoolPort dropped;
    {
        std::lock_guard lock(mutex_);
        auto it = std::find_if(ready_.begin(), ready_.end(), [&](const PoolPort& p) { return p.mac == mac; });
        if (it == ready_.end()) return false;
        dropped = std::move(*it);
        ready_.erase(it);
        ++counters_.dropped_warm;
    }
    (void)switch_.remove_port(dropped.port);
    (void)macs_.release(dropped.mac);
    return true;
}

Result<PoolPort> PortPool::take(Refill refill) {
    std::unique_lock lock(mutex_);
    if (refill == Refill::Later) ++held_off_;
    if (!ready_.empty()) {
        PoolPort port = std::move(ready_.front());
        ready_.pop_front();
        ++counters_.taken_warm;
        lock.unlock();
        if (refill == Refill::Now) wake_.notify_one();
        SF_TRY(switch_.set_enabled(port.port, true));
        return port;
    }
    ++counters_.taken_cold;
    lock.unlock();
    if (refill == Refill::Now) wake_.notify_one();
    return create_port(true);
}

Result<void> PortPool::release(const PoolPort& port) {
    SF_TRY(switch_.remove_port(port.port));
    (void)macs_.release(port.mac);
    {
        std::lock_guard lock(mutex_);
        ++counters_.released;
    }
    wake_.notify_one();
    return ok();
}

void PortPool::wake_refill() {
    {
        std::lock_guard lock(mutex_);
        if (held_off_ > 0) --held_off_;
    }
    wake_.notify_one();
}

size_t PortPool::missing() const {
    size_t have = ready_.size() + in_flight_;
    return have >= target_ ? 0 : target_ - have;
}

Result<void> PortPool::refill() {
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_ || missing() == 0 || held_off_ > 0) return ok();
            ++in_flight_;
        }
        auto port = create_port(false);
        std::lock_guard lock(mutex_);
        --in_flight_;
        if (!port) {
            ++counters_.refill_errors;
            counters_.last_error = port.error().message;
            return std::move(port).error();
        }
        ready_.push_back(std::move(*port));
    }
}

void PortPool::refill_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait(lock, [&] { return stopping_ || (missing() > 0 && held_off_ == 0); });
        if (stopping_) break;
        lock.unlock();
        auto result = refill();
        lock.lock();
        // After a failure, wait for the next take/release instead of spinning.
        if (!result) wake_.wait(lock);
    }
}

void PortPool::set_target(size_t target) {
    std::vector<PoolPort> surplus;
    {
        std::lock_guard lock(mutex_);
        target_ = target;
        while (ready_.size() > target_) {
            surplus.push_back(std::move(ready_.back()));
            ready_.pop_back();
        }
    }
    for (const PoolPort& port : surplus) {
        (void)switch_.remove_port(port.port);
        (void)macs_.release(port.mac);
    }
    wake_.notify_one();
}

PortPoolStats PortPool::stats() const {
    std::lock_guard lock(mutex_);
    PortPoolStats copy = counters_;
    copy.ready = ready_.size();
    copy.target = target_;
    return copy;
}

} // namespace sf::net
