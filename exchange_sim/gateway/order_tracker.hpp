#pragma once

// The order tokens an OUCH account may still have live, for cancel on disconnect. Tokens are
// added when the engine accepts or replaces an order for the account; which of them are still
// live is asked of the engine when it matters (on disconnect, or when the list is full and is
// compacted), so the tracker never mirrors the book's state. Fixed capacity, set at start-up.

#include <cstddef>
#include <vector>

#include "exchange_sim/engine/types.hpp"

namespace tb::exchange {

class OrderTracker {
public:
    explicit OrderTracker(std::size_t capacity) { tokens_.reserve(capacity); }

    // Adds a token; when the list is full, first drops every token `is_live` says is dead.
    // False if the list is still full (the order is then not covered by cancel on disconnect).
    template <class IsLive>
    [[nodiscard]] bool add(const Token& token, IsLive&& is_live) noexcept {
        if (tokens_.size() == tokens_.capacity()) {
            compact(is_live);
            if (tokens_.size() == tokens_.capacity()) {
                return false;
            }
        }
        tokens_.push_back(token);
        return true;
    }

    // Keeps only the tokens `is_live` says are live, in their order.
    template <class IsLive>
    void compact(IsLive&& is_live) noexcept {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < tokens_.size(); ++i) {
            if (is_live(tokens_[i])) {
                tokens_[kept++] = tokens_[i];
            }
        }
        tokens_.resize(kept);
    }

    [[nodiscard]] const std::vector<Token>& tokens() const noexcept { return tokens_; }
    void clear() noexcept { tokens_.clear(); }

private:
    std::vector<Token> tokens_;
};

}  // namespace tb::exchange
