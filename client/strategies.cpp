#include "client/strategies.hpp"

#include <string>

#include "core/error.hpp"

namespace tb::client {

void validate_strategy_config(const StrategyConfig& config) {
    if (config.name != "pingpong" && config.name != "taker" && config.name != "maker" &&
        config.name != "quiet") {
        throw core::ConfigError("strategy.name: expected pingpong, taker, maker or quiet, got '" +
                                config.name + "'");
    }
    if (config.name == "quiet") {
        return;
    }
    if (config.symbol.empty() || config.symbol.size() > 8) {
        throw core::ConfigError("strategy.symbol: expected a symbol of 1-8 characters, got '" +
                                config.symbol + "'");
    }
    if (config.shares == 0) {
        throw core::ConfigError("strategy.shares: expected a positive count, got 0");
    }
    if (config.tick == 0) {
        throw core::ConfigError("strategy.tick: expected a positive price, got 0");
    }
    if (config.max_position < 0) {
        throw core::ConfigError("strategy.max_position: expected shares >= 0");
    }
    if (config.name == "taker" && config.buy_below == 0 && config.sell_above == 0) {
        throw core::ConfigError(
            "strategy.buy_below / strategy.sell_above: the taker needs at least one threshold");
    }
}

// ---- PingPong ----

bool PingPong::own(std::uint64_t match_number) const noexcept {
    for (const std::uint64_t m : own_matches_) {
        if (m == match_number) {
            return true;
        }
    }
    return false;
}

void PingPong::trigger(Trader& trader, const BookUpdate& update) noexcept {
    if (update.book != resolve(trader) || update.book == kNoBook) {
        return;
    }
    if (update.match_number != 0 && own(update.match_number)) {
        ++counters_.own_trades;
        return;
    }
    ++counters_.triggers;
    if (in_flight_.valid()) {
        ++counters_.busy;
        return;
    }
    if (!tradable(trader.books().book(book_))) {
        ++counters_.not_tradable;
        return;
    }
    const Side side = next_side_;
    const std::optional<LevelView> contra = trader.books().best(book_, opposite(side));
    if (!contra) {
        ++counters_.no_liquidity;
        return;
    }
    const OrderId id = trader.enter(book_, side, config_.shares, contra->price,
                                    ouch::kTimeInForceImmediateOrCancel);
    if (!id.valid()) {
        ++counters_.refused;
        return;
    }
    ++counters_.orders;
    in_flight_ = id;
    next_side_ = opposite(side);
}

void PingPong::on_order(Trader&, const OrderEvent& event) noexcept {
    if (event.kind == OrderEventKind::kExecuted) {
        own_matches_[own_next_++ % own_matches_.size()] = event.match_number;
    }
    if (event.id == in_flight_ && is_final(event.order->state)) {
        in_flight_ = OrderId{};
        if (event.order->executed == 0) {
            next_side_ = opposite(next_side_);  // nothing filled: the same side next time
        }
    }
}

// ---- Taker ----

void Taker::evaluate(Trader& trader) noexcept {
    if (in_flight_.valid() || waiting_for_book_ || resolve(trader) == kNoBook) {
        return;
    }
    const Book& book = trader.books().book(book_);
    if (!tradable(book)) {
        ++counters_.not_tradable;
        return;
    }
    const std::int64_t position = trader.position(book_).position;
    const auto shares = static_cast<std::int64_t>(config_.shares);
    Side side = Side::kBuy;
    Price price = 0;
    if (config_.buy_below != 0) {
        const std::optional<LevelView> ask = trader.books().best(book_, Side::kSell);
        if (ask && ask->price <= config_.buy_below) {
            if (position + shares <= config_.max_position) {
                side = Side::kBuy;
                price = ask->price;
            } else {
                ++counters_.limited;
            }
        }
    }
    if (price == 0 && config_.sell_above != 0) {
        const std::optional<LevelView> bid = trader.books().best(book_, Side::kBuy);
        if (bid && bid->price >= config_.sell_above) {
            if (position - shares >= -config_.max_position) {
                side = Side::kSell;
                price = bid->price;
            } else {
                ++counters_.limited;
            }
        }
    }
    if (price == 0) {
        return;
    }
    ++counters_.triggers;
    const OrderId id =
        trader.enter(book_, side, config_.shares, price, ouch::kTimeInForceImmediateOrCancel);
    if (!id.valid()) {
        ++counters_.refused;
        waiting_for_book_ = true;
        return;
    }
    ++counters_.orders;
    in_flight_ = id;
}

void Taker::on_order(Trader& trader, const OrderEvent& event) noexcept {
    if (event.id != in_flight_ || !is_final(event.order->state)) {
        return;
    }
    in_flight_ = OrderId{};
    if (event.order->executed == 0) {
        // Nothing filled: our view of the book was behind. Wait for the book to move.
        waiting_for_book_ = true;
        return;
    }
    evaluate(trader);
}

// ---- Maker ----

Price Maker::market_best(const Trader& trader, Side side) const noexcept {
    const BookBuilder& books = trader.books();
    const OwnOrder* own = trader.order(quotes_[index_of(side)]);
    // Our quote as the feed shows it: under its reference number, or the one before the last
    // replace if the feed has not caught up yet.
    const BookOrder* shown[2] = {nullptr, nullptr};
    if (own != nullptr) {
        shown[0] = own->exchange_ref != 0 ? books.find_order(own->exchange_ref) : nullptr;
        shown[1] = own->previous_ref != 0 ? books.find_order(own->previous_ref) : nullptr;
    }
    std::uint32_t levels = 0;
    // Bounded: only levels holding nothing but our shares are skipped (at most two).
    for (std::uint32_t l = books.first_level(book_, side); l != kNone && levels < 4;
         l = books.level(l).worse, ++levels) {
        const Level& level = books.level(l);
        std::uint64_t ours = 0;
        for (const BookOrder* o : shown) {
            ours += o != nullptr && o->level == l ? o->shares : 0;
        }
        if (level.shares > ours) {
            return level.price;
        }
    }
    return 0;
}

void Maker::manage(Trader& trader, Side side, Price price) noexcept {
    OrderId& id = quotes_[index_of(side)];
    const OwnOrder* order = trader.order(id);
    if (order != nullptr && is_final(order->state)) {
        order = nullptr;
    }
    if (order == nullptr) {
        id = OrderId{};
        if (price == 0) {
            return;
        }
        id = trader.enter(book_, side, config_.shares, price, ouch::kTimeInForceMarketHours);
        if (id.valid()) {
            ++counters_.orders;
        } else {
            ++counters_.refused;
        }
        return;
    }
    if (order->cancel_pending || order->replace_pending() || order->state == OrderState::kPending) {
        return;  // wait for the answer to what is in flight
    }
    if (price == 0) {
        if (trader.cancel(id)) {
            ++counters_.cancels;
        }
        return;
    }
    if (order->price != price || order->open != config_.shares) {
        if (trader.replace(id, config_.shares, price)) {
            ++counters_.replaces;
        } else {
            ++counters_.refused;
        }
    }
}

void Maker::evaluate(Trader& trader) noexcept {
    if (resolve(trader) == kNoBook) {
        return;
    }
    ++counters_.triggers;
    Price bid = 0;
    Price ask = 0;
    if (tradable(trader.books().book(book_))) {
        bid = market_best(trader, Side::kBuy);
        ask = market_best(trader, Side::kSell);
        // A side of the market with nothing but our quote on it is not quoted.
        const Price edge = config_.tick * config_.edge_ticks;
        bid = bid > edge ? bid - edge : 0;
        ask = ask != 0 ? ask + edge : 0;
        const std::int64_t position = trader.position(book_).position;
        const auto shares = static_cast<std::int64_t>(config_.shares);
        if (position + shares > config_.max_position) {
            ++counters_.limited;
            bid = 0;
        }
        if (position - shares < -config_.max_position) {
            ++counters_.limited;
            ask = 0;
        }
    } else {
        ++counters_.not_tradable;
    }
    manage(trader, Side::kBuy, bid);
    manage(trader, Side::kSell, ask);
}

}  // namespace tb::client
