// superfluid toolstack: MemoryBudget, admission of guests against the memory
// they are committed to.
//
// A guest's RAM is mapped without reserving it and filled as the guest
// touches it, so how much memory the host has free when a guest is created
// says nothing about what its guests will use later: admitted on that, guests
// that then touch their pages get a worker OOM-killed, with every guest in it.
// sfd admits a guest only while the memory sizes of its live guests, this one
// included, add up to at most the budget:
//
//     (MemTotal - reserve) x overcommit
//
// `overcommit` (sfd --overcommit, 1.0 by default) > 1 bets that guests do not
// all touch all their memory; < 1 keeps room for the rest of the host.
//
// Threading: immutable once made; any thread.
#pragma once

#include "common/result.h"

#include <cstdint>

namespace sf::host {

class MemoryBudget {
  public:
    // Errors: `overcommit` not a finite number > 0 (InvalidArgument).
    static Result<MemoryBudget> create(uint64_t mem_total, uint64_t reserve, double overcommit);

    // Bytes of guest memory the host may commit (0 if the reserve takes it all).
    uint64_t limit() const { return limit_; }
    // Admits a guest of `size` bytes beside live guests of `committed` bytes
    // in all. Errors: the sum passes the limit (ResourceExhausted, a message
    // naming the numbers).
    Result<void> admit(uint64_t committed, uint64_t size) const;

  private:
    MemoryBudget(uint64_t mem_total, uint64_t reserve, double overcommit, uint64_t limit)
        : mem_total_(mem_total), reserve_(reserve), overcommit_(overcommit), limit_(limit) {}

    uint64_t mem_total_, reserve_;
    double overcommit_;
    uint64_t limit_;
};

} // namespace sf::host
