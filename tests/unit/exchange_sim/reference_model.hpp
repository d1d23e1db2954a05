#pragma once

// A deliberately simple reference model of the matching engine for differential tests: std::map
// price levels holding std::deque queues, std::map token and order tables, no pools, bitmaps or
// indices. It implements the rules documented at the top of exchange_sim/engine/engine.hpp and
// must produce exactly the same event stream. Capacities (order pool, token table) are assumed
// large enough never to be reached.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "exchange_sim/engine/config.hpp"
#include "exchange_sim/engine/events.hpp"
#include "exchange_sim/engine/inputs.hpp"

namespace tb::exchange::testing {

class ReferenceModel {
public:
    explicit ReferenceModel(const EngineConfig& config) : config_(config) {
        for (std::size_t i = 0; i < config.symbols.size(); ++i) {
            const SymbolConfig& symbol = config.symbols[i];
            Book book;
            book.stock = symbol.stock;
            book.locate = symbol.locate != 0 ? symbol.locate : static_cast<StockLocate>(i + 1);
            book.tick = symbol.tick;
            book.low = lowest_price(symbol);
            book.high = symbol.reference_price + symbol.band;
            book.halted = symbol.halted_at_start;
            books_[symbol.stock.str()] = book;
        }
        for (const ParticipantConfig& participant : config.participants) {
            default_firm_[participant.id] = participant.default_firm;
        }
        for (const FirmConfig& firm : config.firms) {
            firm_aiq_[firm.firm.str()] = firm.aiq;
        }
    }

    std::vector<Event>& events() { return events_; }

    [[nodiscard]] bool live(ParticipantId participant, const Token& token) const {
        auto it = tokens_.find(key(participant, token));
        return it != tokens_.end() && it->second.live;
    }

    void process(const Input& input) {
        std::visit([this](const auto& in) { handle(in); }, input);
    }

private:
    struct RefOrder {
        std::string book;
        ParticipantId participant = 0;
        Token token;
        ouch::Side ouch_side = ouch::Side::kBuy;
        bool buy = true;
        Price price = 0;
        Shares open = 0;
        std::uint32_t tif = 0;
        Firm firm;
        ouch::Display display = ouch::Display::kAnonymous;
        OrderRef ref = 0;
        ouch::Capacity capacity = ouch::Capacity::kAgency;
        ouch::IntermarketSweep ise = ouch::IntermarketSweep::kNotEligible;
        Shares min_qty = 0;
        ouch::CrossType cross = ouch::CrossType::kNoCross;
        AiqMethod aiq = AiqMethod::kNone;
        [[nodiscard]] bool displayed() const { return display != ouch::Display::kNonDisplay; }
        [[nodiscard]] bool attributed() const {
            return display == ouch::Display::kAttributable ||
                   display == ouch::Display::kPostOnlyAttributable;
        }
    };

    struct Book {
        Stock stock;
        StockLocate locate = 0;
        Price tick = 0;
        Price low = 0;
        Price high = 0;
        bool halted = false;
        std::map<Price, std::deque<std::uint64_t>, std::greater<>> bids;
        std::map<Price, std::deque<std::uint64_t>> asks;
    };

    using Key = std::pair<ParticipantId, std::string>;
    struct TokenState {
        bool live = false;
        std::uint64_t id = 0;
    };

    static Key key(ParticipantId participant, const Token& token) {
        return {participant, std::string(token.chars.data(), token.chars.size())};
    }

    static bool valid_display(ouch::Display d) {
        return d == ouch::Display::kAnonymous || d == ouch::Display::kAttributable ||
               d == ouch::Display::kNonDisplay || d == ouch::Display::kPostOnly ||
               d == ouch::Display::kPostOnlyAttributable;
    }
    static bool post_only(ouch::Display d) {
        return d == ouch::Display::kPostOnly || d == ouch::Display::kPostOnlyAttributable;
    }

    // Best contra price, if any.
    static bool best_contra(const Book& book, bool buy, Price& price) {
        if (buy) {
            if (book.asks.empty()) {
                return false;
            }
            price = book.asks.begin()->first;
        } else {
            if (book.bids.empty()) {
                return false;
            }
            price = book.bids.begin()->first;
        }
        return true;
    }
    static bool reaches(bool buy, Price limit, Price contra) {
        return buy ? contra <= limit : contra >= limit;
    }

    bool terms_ok(const Book& book, bool buy, Shares shares, Price price, std::uint32_t tif,
                  ouch::Display display, Shares min_qty, ouch::RejectReason& reason) const {
        if (!valid_display(display)) {
            reason = ouch::RejectReason::kInvalidDisplayType;
            return false;
        }
        if (shares == 0) {
            reason = ouch::RejectReason::kOther;
            return false;
        }
        if (shares > config_.max_order_shares) {
            reason = ouch::RejectReason::kSharesOverSafetyThreshold;
            return false;
        }
        if (price < book.low || price > book.high || (price - book.low) % book.tick != 0) {
            reason = ouch::RejectReason::kInvalidPrice;
            return false;
        }
        if (tif != 0 && tif != 99'998 && tif != 99'999) {
            reason = ouch::RejectReason::kOther;
            return false;
        }
        if (min_qty > 0 && (tif != 0 || min_qty > shares)) {
            reason = ouch::RejectReason::kInvalidMinimumQuantity;
            return false;
        }
        Price contra = 0;
        if (post_only(display) && best_contra(book, buy, contra) && reaches(buy, price, contra)) {
            reason = ouch::RejectReason::kOther;
            return false;
        }
        return true;
    }

    void reject(std::int64_t ts, ParticipantId participant, const Token& token,
                ouch::RejectReason reason) {
        tokens_[key(participant, token)] = TokenState{false, 0};
        events_.emplace_back(OuchRejected{ts, participant, token, reason});
    }

    void handle(const EnterOrder& in) {
        if (tokens_.count(key(in.participant, in.token)) != 0) {
            return;
        }
        if (default_firm_.count(in.participant) == 0) {
            reject(in.timestamp_ns, in.participant, in.token,
                   ouch::RejectReason::kFirmNotAuthorized);
            return;
        }
        auto it = books_.find(in.stock.str());
        if (it == books_.end()) {
            reject(in.timestamp_ns, in.participant, in.token, ouch::RejectReason::kInvalidStock);
            return;
        }
        Book& book = it->second;
        if (book.halted) {
            reject(in.timestamp_ns, in.participant, in.token, ouch::RejectReason::kHalted);
            return;
        }
        if (in.cross_type != ouch::CrossType::kNoCross) {
            reject(in.timestamp_ns, in.participant, in.token,
                   ouch::RejectReason::kNotAllowedInCross);
            return;
        }
        const char side = static_cast<char>(in.side);
        if (side != 'B' && side != 'S' && side != 'T' && side != 'E') {
            reject(in.timestamp_ns, in.participant, in.token, ouch::RejectReason::kOther);
            return;
        }
        const bool buy = side == 'B';
        ouch::RejectReason reason{};
        if (!terms_ok(book, buy, in.shares, in.price, in.time_in_force, in.display,
                      in.minimum_quantity, reason)) {
            reject(in.timestamp_ns, in.participant, in.token, reason);
            return;
        }
        const std::uint64_t id = next_id_++;
        RefOrder order;
        order.book = in.stock.str();
        order.participant = in.participant;
        order.token = in.token;
        order.ouch_side = in.side;
        order.buy = buy;
        order.price = in.price;
        order.open = in.shares;
        order.tif = in.time_in_force;
        order.firm = in.firm.blank() ? default_firm_[in.participant] : in.firm;
        order.display = in.display;
        order.ref = next_ref_++;
        const char capacity = static_cast<char>(in.capacity);
        order.capacity = (capacity == 'A' || capacity == 'P' || capacity == 'R')
                             ? in.capacity
                             : ouch::Capacity::kOther;
        order.ise = in.intermarket_sweep;
        order.min_qty = in.minimum_quantity;
        order.cross = in.cross_type;
        auto aiq = firm_aiq_.find(order.firm.str());
        order.aiq = aiq == firm_aiq_.end() ? config_.default_aiq : aiq->second;
        orders_[id] = order;
        tokens_[key(in.participant, in.token)] = TokenState{true, id};
        events_.emplace_back(OuchAccepted{in.timestamp_ns, order.participant, order.token,
                                          order.ouch_side, order.open, book.stock, order.price,
                                          order.tif, order.firm, order.display, order.ref,
                                          order.capacity, order.ise, order.min_qty, order.cross,
                                          ouch::OrderState::kLive, ouch::BboWeight::kUnspecified});
        execute_and_rest(id, book, in.timestamp_ns, false);
    }

    void handle(const ReplaceOrder& in) {
        auto existing = tokens_.find(key(in.participant, in.existing_token));
        if (existing == tokens_.end() || !existing->second.live) {
            return;
        }
        if (tokens_.count(key(in.participant, in.replacement_token)) != 0) {
            return;
        }
        const std::uint64_t id = existing->second.id;
        RefOrder& order = orders_[id];
        Book& book = books_[order.book];
        const std::int64_t ts = in.timestamp_ns;
        if (book.halted) {
            tokens_[key(in.participant, in.replacement_token)] = TokenState{false, 0};
            events_.emplace_back(OuchRejected{ts, in.participant, in.replacement_token,
                                              ouch::RejectReason::kHalted});
            return;
        }
        ouch::RejectReason reason{};
        if (!terms_ok(book, order.buy, in.shares, in.price, in.time_in_force, in.display,
                      in.minimum_quantity, reason)) {
            events_.emplace_back(OuchCanceled{ts, order.participant, order.token, order.open,
                                              ouch::CancelReason::kUserRequested});
            if (order.displayed()) {
                events_.emplace_back(ItchOrderDelete{ts, book.locate, order.ref});
            }
            unlink(book, id);
            kill(id);
            return;
        }
        existing->second = TokenState{false, 0};
        tokens_[key(in.participant, in.replacement_token)] = TokenState{true, id};
        const Token previous = order.token;
        order.token = in.replacement_token;
        order.tif = in.time_in_force;
        order.ise = in.intermarket_sweep;
        order.min_qty = in.minimum_quantity;
        if (in.price == order.price && in.shares < order.open && in.display == order.display &&
            in.time_in_force != 0) {
            const Shares decrement = order.open - in.shares;
            order.open = in.shares;
            replaced_event(ts, order, book, previous);
            if (order.displayed()) {
                events_.emplace_back(ItchOrderCancel{ts, book.locate, order.ref, decrement});
            }
            return;
        }
        const bool was_displayed = order.displayed();
        const OrderRef original_ref = order.ref;
        unlink(book, id);
        order.open = in.shares;
        order.price = in.price;
        order.display = in.display;
        order.ref = next_ref_++;
        replaced_event(ts, order, book, previous);
        bool announced = false;
        if (was_displayed) {
            Price contra = 0;
            const bool crossing =
                best_contra(book, order.buy, contra) && reaches(order.buy, order.price, contra);
            if (order.displayed() && !crossing && order.tif != 0) {
                events_.emplace_back(ItchOrderReplace{ts, book.locate, original_ref, order.ref,
                                                      order.open, order.price});
                announced = true;
            } else {
                events_.emplace_back(ItchOrderDelete{ts, book.locate, original_ref});
            }
        }
        execute_and_rest(id, book, ts, announced);
    }

    void handle(const CancelOrder& in) {
        auto found = tokens_.find(key(in.participant, in.token));
        if (found == tokens_.end() || !found->second.live) {
            return;
        }
        const std::uint64_t id = found->second.id;
        RefOrder& order = orders_[id];
        if (in.shares >= order.open) {
            return;
        }
        Book& book = books_[order.book];
        const Shares decrement = order.open - in.shares;
        events_.emplace_back(OuchCanceled{in.timestamp_ns, order.participant, order.token,
                                          decrement, ouch::CancelReason::kUserRequested});
        if (in.shares == 0) {
            if (order.displayed()) {
                events_.emplace_back(ItchOrderDelete{in.timestamp_ns, book.locate, order.ref});
            }
            unlink(book, id);
            kill(id);
            return;
        }
        order.open = in.shares;
        if (order.displayed()) {
            events_.emplace_back(
                ItchOrderCancel{in.timestamp_ns, book.locate, order.ref, decrement});
        }
    }

    void handle(const TradingAction& in) {
        auto it = books_.find(in.stock.str());
        if (it == books_.end()) {
            return;
        }
        it->second.halted = in.halted;
        events_.emplace_back(ItchTradingAction{in.timestamp_ns, it->second.locate, it->second.stock,
                                               in.halted ? 'H' : 'T', in.reason});
    }

    void replaced_event(std::int64_t ts, const RefOrder& order, const Book& book,
                        const Token& previous) {
        events_.emplace_back(
            OuchReplaced{ts, order.participant, order.token, order.ouch_side, order.open,
                         book.stock, order.price, order.tif, order.firm, order.display, order.ref,
                         order.capacity, order.ise, order.min_qty, order.cross,
                         ouch::OrderState::kLive, previous, ouch::BboWeight::kUnspecified});
    }

    void kill(std::uint64_t id) {
        const RefOrder& order = orders_[id];
        tokens_[key(order.participant, order.token)] = TokenState{false, 0};
        orders_.erase(id);
    }

    void unlink(Book& book, std::uint64_t id) {
        const RefOrder& order = orders_[id];
        auto erase_from = [&](auto& side) {
            auto level = side.find(order.price);
            if (level == side.end()) {
                return;
            }
            auto& queue = level->second;
            queue.erase(std::find(queue.begin(), queue.end(), id));
            if (queue.empty()) {
                side.erase(level);
            }
        };
        if (order.buy) {
            erase_from(book.bids);
        } else {
            erase_from(book.asks);
        }
    }

    // Contra levels in priority order as (price, queue) pointers.
    std::vector<std::pair<Price, std::deque<std::uint64_t>*>> contra_levels(Book& book, bool buy) {
        std::vector<std::pair<Price, std::deque<std::uint64_t>*>> levels;
        if (buy) {
            for (auto& [price, queue] : book.asks) {
                levels.emplace_back(price, &queue);
            }
        } else {
            for (auto& [price, queue] : book.bids) {
                levels.emplace_back(price, &queue);
            }
        }
        return levels;
    }

    Shares dry_run(Book& book, const RefOrder& in) {
        Shares remaining = in.open;
        Shares executed = 0;
        for (auto& [price, queue] : contra_levels(book, in.buy)) {
            if (!reaches(in.buy, in.price, price)) {
                break;
            }
            for (const std::uint64_t r : *queue) {
                const RefOrder& resting = orders_[r];
                const Shares q = std::min(remaining, resting.open);
                if (resting.firm == in.firm && in.aiq != AiqMethod::kNone) {
                    if (in.aiq == AiqMethod::kCancelNewest || in.aiq == AiqMethod::kCancelBoth) {
                        return executed;
                    }
                    if (in.aiq == AiqMethod::kCancelOldest) {
                        continue;
                    }
                    remaining -= q;
                } else {
                    executed += q;
                    remaining -= q;
                }
                if (remaining == 0) {
                    return executed;
                }
            }
        }
        return executed;
    }

    void aiq_resting(Book& book, std::uint64_t r, Shares decrement, Shares prevented, Price price,
                     std::int64_t ts) {
        RefOrder& resting = orders_[r];
        events_.emplace_back(
            OuchAiqCanceled{ts, resting.participant, resting.token, decrement,
                            ouch::CancelReason::kSelfMatchPrevention, prevented, price,
                            resting.displayed() ? ouch::LiquidityFlag::kAdded
                                                : ouch::LiquidityFlag::kNonDisplayedAdded});
        if (decrement == resting.open) {
            if (resting.displayed()) {
                events_.emplace_back(ItchOrderDelete{ts, book.locate, resting.ref});
            }
            unlink(book, r);
            kill(r);
            return;
        }
        resting.open -= decrement;
        if (resting.displayed()) {
            events_.emplace_back(ItchOrderCancel{ts, book.locate, resting.ref, decrement});
        }
    }

    void aiq_incoming(RefOrder& in, Shares decrement, Shares prevented, Price price,
                      std::int64_t ts) {
        events_.emplace_back(OuchAiqCanceled{ts, in.participant, in.token, decrement,
                                             ouch::CancelReason::kSelfMatchPrevention, prevented,
                                             price, ouch::LiquidityFlag::kRemoved});
        in.open -= decrement;
    }

    void execute_and_rest(std::uint64_t id, Book& book, std::int64_t ts, bool announced) {
        RefOrder& in = orders_[id];
        Price contra = 0;
        const bool crossing =
            best_contra(book, in.buy, contra) && reaches(in.buy, in.price, contra);
        if (crossing && (in.min_qty == 0 || dry_run(book, in) >= in.min_qty)) {
            match(id, book, ts);
        }
        if (in.open == 0) {
            kill(id);
            return;
        }
        if (in.tif == 0) {
            events_.emplace_back(OuchCanceled{ts, in.participant, in.token, in.open,
                                              ouch::CancelReason::kImmediateOrCancel});
            kill(id);
            return;
        }
        if (in.buy) {
            book.bids[in.price].push_back(id);
        } else {
            book.asks[in.price].push_back(id);
        }
        if (in.displayed() && !announced) {
            const char side = in.buy ? 'B' : 'S';
            if (in.attributed()) {
                events_.emplace_back(ItchAddOrderMpid{ts, book.locate, in.ref, side, in.open,
                                                      book.stock, in.price, in.firm});
            } else {
                events_.emplace_back(
                    ItchAddOrder{ts, book.locate, in.ref, side, in.open, book.stock, in.price});
            }
        }
    }

    void match(std::uint64_t id, Book& book, std::int64_t ts) {
        RefOrder& in = orders_[id];
        while (in.open > 0) {
            Price price = 0;
            if (!best_contra(book, in.buy, price) || !reaches(in.buy, in.price, price)) {
                return;
            }
            auto& queue = in.buy ? book.asks.begin()->second : book.bids.begin()->second;
            const std::uint64_t r = queue.front();
            RefOrder& resting = orders_[r];
            if (resting.firm == in.firm && in.aiq != AiqMethod::kNone) {
                const Shares prevented = std::min(in.open, resting.open);
                switch (in.aiq) {
                    case AiqMethod::kCancelNewest:
                        aiq_incoming(in, in.open, prevented, price, ts);
                        return;
                    case AiqMethod::kCancelOldest:
                        aiq_resting(book, r, resting.open, prevented, price, ts);
                        continue;
                    case AiqMethod::kCancelBoth:
                        aiq_resting(book, r, resting.open, prevented, price, ts);
                        aiq_incoming(in, in.open, prevented, price, ts);
                        return;
                    default:
                        aiq_resting(book, r, prevented, prevented, price, ts);
                        aiq_incoming(in, prevented, prevented, price, ts);
                        continue;
                }
            }
            const Shares q = std::min(in.open, resting.open);
            const MatchNumber match_number = next_match_++;
            if (resting.displayed()) {
                events_.emplace_back(
                    ItchOrderExecuted{ts, book.locate, resting.ref, q, match_number});
            } else {
                events_.emplace_back(ItchTrade{ts, book.locate, 0, resting.buy ? 'B' : 'S', q,
                                               book.stock, price, match_number});
            }
            events_.emplace_back(OuchExecuted{ts, resting.participant, resting.token, q, price,
                                              resting.displayed()
                                                  ? ouch::LiquidityFlag::kAdded
                                                  : ouch::LiquidityFlag::kNonDisplayedAdded,
                                              match_number});
            events_.emplace_back(OuchExecuted{ts, in.participant, in.token, q, price,
                                              ouch::LiquidityFlag::kRemoved, match_number});
            in.open -= q;
            resting.open -= q;
            if (resting.open == 0) {
                unlink(book, r);
                kill(r);
            }
        }
    }

    EngineConfig config_;
    std::map<std::string, Book> books_;
    std::map<ParticipantId, Firm> default_firm_;
    std::map<std::string, AiqMethod> firm_aiq_;
    std::map<Key, TokenState> tokens_;
    std::map<std::uint64_t, RefOrder> orders_;
    std::vector<Event> events_;
    std::uint64_t next_id_ = 1;
    OrderRef next_ref_ = 1;
    MatchNumber next_match_ = 1;
};

}  // namespace tb::exchange::testing
