#pragma once

// The matching engine: price-time priority books for many symbols, driven by OUCH 4.2 order
// flow, emitting ITCH 5.0 and per-participant OUCH 4.2 events (events.hpp) to a sink chosen at
// compile time.
//
// Thread rules: one thread owns an Engine. Inputs are processed one at a time, each to the end,
// and every event an input causes is delivered before the call returns. The engine reads no
// clock: each event carries the timestamp of the input that caused it.
//
// After construction nothing allocates: orders live in a preallocated pool of one-cache-line
// records, each price level is an intrusive FIFO queue, each side of a book is a directly
// indexed array of levels over the symbol's price band with an occupancy bitmap
// (price_levels.hpp), and tokens live in an open-addressing table sized for the day
// (token_table.hpp); the pool and the token table sit on huge pages where the kernel allows.
//
// Behaviour, with the OUCH 4.2 sections it follows (see also DESIGN.md, "Errors and bad input"):
//  - Enter Order (2.1). A token already used today by the same account is ignored, as OUCH
//    requires so that clients may resend inbound messages safely. Otherwise the checks below
//    run in this order, and the first that fails answers Rejected (consuming the token):
//      unknown participant (L), unknown stock (S), symbol halted (H), cross type other than
//      continuous (R), side other than B/S/T/E (O), display type not supported (D), zero
//      shares (O), shares above the safety threshold (Z), price off the tick grid or outside
//      the band (X), time in force other than IOC/market hours/system hours (O), minimum
//      quantity above the shares or on a non-IOC order (N), post-only order that would take
//      liquidity (O), no room in the order pool or token table (O).
//    Market hours and system hours orders rest alike: the engine has no session schedule,
//    so ending either at its close is left to the caller (a cancel per order).
//    An accepted order gets Accepted, then executes against the contra side in price-time order
//    at the resting orders' prices; an IOC remainder is canceled (reason I), any other remainder
//    rests at the back of its level and, if displayed, is added to the feed (A, or F when
//    attributable).
//  - Minimum quantity: accepted on IOC orders only. The order executes only if at least that
//    many shares can execute on entry (counted by a dry run of the same matching rules),
//    otherwise nothing executes and it is canceled. Nasdaq lets a resting order keep a minimum
//    and skips it for smaller incoming orders; keeping minimums to IOC orders means every
//    resting order is plain and the book can never be left crossed.
//  - Cancel Order (2.3): Shares is the new intended size. 0 removes the order (feed: Delete), a
//    smaller size cancels it down in place, keeping its priority (feed: Order Cancel). The
//    Canceled message carries the decrement. Cancels of unknown or dead tokens, and sizes not
//    below the open size, change nothing and are ignored. Cancels are allowed during a halt.
//  - Replace Order (2.2), with the outcomes the specification lists:
//      1. the existing token is not live, or the replacement token was already used: ignored;
//      2. the replacement's terms are invalid (the Enter Order checks on shares, price, time in
//         force, display, minimum quantity, post-only): the existing order is canceled
//         (Canceled, reason U) and the replacement token is not consumed;
//      3. the existing order cannot be replaced now (symbol halted, or no room in the token
//         table): Rejected for the replacement token, the existing order stays intact;
//      4. otherwise Replaced, carrying the replacement token and the previous token.
//    Shares is the replacement's open size. Priority is kept only when the price and display
//    are unchanged, the size goes down and the replacement is not IOC: the order shrinks in
//    place and keeps its order reference number, and the feed shows an Order Cancel (X) for the
//    decrement, which is how ITCH expresses a reduction that keeps priority. Any other replace
//    takes the order off its level and enters the replacement as a new order at the back, with
//    a new reference number: the feed shows Order Replace (U) when the replacement rests at
//    once and displayed, otherwise Order Delete (D) of the original, then any executions of
//    the replacement, then an Add for the part that rests.
//  - Executions: Executed to both participants (liquidity flag A for a displayed resting
//    order, J for a non-displayed one, R for the incoming order), with one match number, and
//    on the feed Order Executed (E) for a displayed resting order or Trade (P) for a
//    non-displayed one. Every execution is at the resting order's displayed price, so ITCH's
//    Order Executed With Price (C) never applies in this continuous book.
//  - Anti-internalization: when the incoming order would execute against a resting order of
//    the same firm, the firm's AiqMethod decides (config.hpp); every order reduced this way gets
//    AIQ Canceled (reason Q) with the decrement and the quantity prevented from trading, and a
//    resting displayed order shows Order Cancel (X) or Delete (D) on the feed.
//  - Trading action: a halt rejects new orders and replaces (H) and allows cancels; both halt
//    and resume are reported as Stock Trading Action (H).

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "core/random.hpp"
#include "exchange_sim/engine/config.hpp"
#include "exchange_sim/engine/events.hpp"
#include "exchange_sim/engine/inputs.hpp"
#include "exchange_sim/engine/journal.hpp"
#include "exchange_sim/engine/order_pool.hpp"
#include "exchange_sim/engine/price_levels.hpp"
#include "exchange_sim/engine/token_table.hpp"

namespace tb::exchange {

struct EngineCounters {
    std::uint64_t orders_accepted = 0;
    std::uint64_t orders_rejected = 0;
    std::uint64_t orders_replaced = 0;
    std::uint64_t replaces_canceled_invalid = 0;  // outcome 2: existing canceled
    std::uint64_t replaces_rejected = 0;          // outcome 3
    std::uint64_t cancels_applied = 0;
    std::uint64_t executions = 0;
    std::uint64_t aiq_decrements = 0;  // AIQ Canceled messages
    std::uint64_t ioc_canceled = 0;
    std::uint64_t trading_actions = 0;
    std::uint64_t ignored_duplicate_token = 0;  // Enter Order with a used token
    std::uint64_t ignored_unknown_token = 0;    // cancel/replace of an unknown or dead order
    std::uint64_t ignored_replacement_token_used = 0;
    std::uint64_t ignored_cancel_not_smaller = 0;
    std::uint64_t ignored_unknown_symbol_action = 0;
    std::uint64_t pool_exhausted = 0;
    std::uint64_t token_table_full = 0;
    std::uint64_t journal_dropped = 0;
    // Share accounting for the conservation invariant: every share accepted onto an order
    // (entry, or the new size of a replace) is later executed, canceled, or still open.
    std::uint64_t shares_entered = 0;
    std::uint64_t shares_executed = 0;  // both sides of each execution
    std::uint64_t shares_canceled = 0;  // cancels, IOC remainders, AIQ, replaced originals

    template <class F>
    void visit(F&& f) const {
        f("orders_accepted", orders_accepted);
        f("orders_rejected", orders_rejected);
        f("orders_replaced", orders_replaced);
        f("replaces_canceled_invalid", replaces_canceled_invalid);
        f("replaces_rejected", replaces_rejected);
        f("cancels_applied", cancels_applied);
        f("executions", executions);
        f("aiq_decrements", aiq_decrements);
        f("ioc_canceled", ioc_canceled);
        f("trading_actions", trading_actions);
        f("ignored_duplicate_token", ignored_duplicate_token);
        f("ignored_unknown_token", ignored_unknown_token);
        f("ignored_replacement_token_used", ignored_replacement_token_used);
        f("ignored_cancel_not_smaller", ignored_cancel_not_smaller);
        f("ignored_unknown_symbol_action", ignored_unknown_symbol_action);
        f("pool_exhausted", pool_exhausted);
        f("token_table_full", token_table_full);
        f("journal_dropped", journal_dropped);
        f("shares_entered", shares_entered);
        f("shares_executed", shares_executed);
        f("shares_canceled", shares_canceled);
    }
};

// One symbol's book and its trading parameters.
struct SymbolBook {
    SymbolBook(const SymbolConfig& config, StockLocate locate_code)
        : stock(config.stock),
          locate(locate_code),
          tick(config.tick),
          tick_inverse(~std::uint64_t{0} / config.tick + 1),
          low(lowest_price(config)),
          high(config.reference_price + config.band),
          halted(config.halted_at_start),
          bids(level_count(config), false),
          asks(level_count(config), true) {}

    [[nodiscard]] PriceLevels& side(BookSide s) noexcept {
        return s == BookSide::kBuy ? bids : asks;
    }
    [[nodiscard]] const PriceLevels& side(BookSide s) const noexcept {
        return s == BookSide::kBuy ? bids : asks;
    }
    [[nodiscard]] Price price_of(std::uint32_t level) const noexcept { return low + level * tick; }
    // Whether `price` is a valid limit price: on the tick grid and inside the band.
    [[nodiscard]] bool valid_price(Price price) const noexcept {
        if (price < low || price > high) {
            return false;
        }
        // Lemire's fastmod for 32-bit operands: remainder via two multiplications, no division.
        const std::uint64_t fraction = tick_inverse * (price - low);
        return static_cast<std::uint32_t>((static_cast<core::Uint128>(fraction) * tick) >> 64) == 0;
    }
    [[nodiscard]] std::uint32_t level_of(Price price) const noexcept {
        // (price - low) / tick, exact for every 32-bit operand (Lemire, Kaser, Kurz, "Faster
        // remainder by direct computation", 2019).
        return static_cast<std::uint32_t>(
            (static_cast<core::Uint128>(tick_inverse) * (price - low)) >> 64);
    }

    Stock stock;
    StockLocate locate;
    Price tick;
    std::uint64_t tick_inverse;  // 2^64 / tick, rounded up
    Price low;
    Price high;
    bool halted;
    PriceLevels bids;
    PriceLevels asks;
};

namespace detail {

// What an OUCH 4.2 display type means for the book; only the plain limit-order types are
// supported (pegs, imbalance-only and retail types are rejected with reason D).
struct DisplayTraits {
    bool valid = false;
    bool displayed = false;
    bool attributed = false;
    bool post_only = false;
};

[[nodiscard]] constexpr DisplayTraits classify_display(ouch::Display display) noexcept {
    switch (display) {
        case ouch::Display::kAnonymous:
            return {true, true, false, false};
        case ouch::Display::kAttributable:
            return {true, true, true, false};
        case ouch::Display::kNonDisplay:
            return {true, false, false, false};
        case ouch::Display::kPostOnly:
            return {true, true, false, true};
        case ouch::Display::kPostOnlyAttributable:
            return {true, true, true, true};
        default:
            return {};
    }
}

// One table lookup per order instead of a switch.
inline constexpr auto kDisplayTraits = [] {
    std::array<DisplayTraits, 256> table{};
    for (std::size_t byte = 0; byte < table.size(); ++byte) {
        table[byte] = classify_display(static_cast<ouch::Display>(static_cast<char>(byte)));
    }
    return table;
}();

[[nodiscard]] constexpr DisplayTraits display_traits(ouch::Display display) noexcept {
    return kDisplayTraits[static_cast<unsigned char>(display)];
}

// A small open-addressing map from 64-bit keys to 32-bit values, built at start-up.
class KeyMap {
public:
    static constexpr std::uint32_t kMissing = 0xFFFF'FFFF;

    explicit KeyMap(std::size_t entries)
        : keys_(std::bit_ceil(entries * 2 + 2)),
          values_(keys_.size(), kMissing),
          mask_(keys_.size() - 1) {}

    void insert(std::uint64_t key, std::uint32_t value) {
        std::size_t i = slot(key);
        while (values_[i] != kMissing && keys_[i] != key) {
            i = (i + 1) & mask_;
        }
        keys_[i] = key;
        values_[i] = value;
    }

    [[nodiscard]] std::uint32_t find(std::uint64_t key) const noexcept {
        std::size_t i = slot(key);
        while (values_[i] != kMissing) {
            if (keys_[i] == key) {
                return values_[i];
            }
            i = (i + 1) & mask_;
        }
        return kMissing;
    }

private:
    [[nodiscard]] std::size_t slot(std::uint64_t key) const noexcept {
        return core::mix64(key) & mask_;
    }

    std::vector<std::uint64_t> keys_;
    std::vector<std::uint32_t> values_;
    std::size_t mask_;
};

}  // namespace detail

template <EventSink Sink>
class Engine {
public:
    // Validates the configuration (throws tb::core::ConfigError) and sizes every table. The
    // sink must outlive the engine.
    Engine(const EngineConfig& config, Sink& sink)
        : sink_(sink),
          fingerprint_((validate_config(config), tb::exchange::config_fingerprint(config))),
          max_order_shares_(config.max_order_shares),
          pool_(config.max_orders),
          tokens_(config.max_tokens),
          symbol_index_(config.symbols.size()),
          firm_aiq_(config.firms.size()),
          default_aiq_(config.default_aiq),
          participants_(kMaxParticipants) {
        books_.reserve(config.symbols.size());
        for (std::size_t i = 0; i < config.symbols.size(); ++i) {
            const SymbolConfig& symbol = config.symbols[i];
            const auto locate =
                symbol.locate != 0 ? symbol.locate : static_cast<StockLocate>(i + 1);
            books_.emplace_back(symbol, locate);
            symbol_index_.insert(stock_key(symbol.stock), static_cast<std::uint32_t>(i));
        }
        for (const FirmConfig& firm : config.firms) {
            firm_aiq_.insert(firm_key(firm.firm), static_cast<std::uint32_t>(firm.aiq));
        }
        for (const ParticipantConfig& participant : config.participants) {
            participants_[participant.id] = {true, participant.default_firm};
        }
    }

    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Journals every input from now on into `journal`, which must have been created with this
    // engine's config_fingerprint() and must outlive the engine (or be detached with nullptr).
    void attach_journal(JournalWriter* journal) noexcept {
        assert(journal == nullptr || journal->config_fingerprint() == fingerprint_);
        journal_ = journal;
    }

    void process(const Input& input) noexcept {
        std::visit([this](const auto& in) { this->handle(in); }, input);
    }

    void enter(const EnterOrder& in) noexcept {
        journal(in);
        const TokenTable::Key key = TokenTable::make_key(in.participant, in.token);
        const TokenTable::Probe probe = tokens_.probe(key);
        if (probe.found) {
            ++counters_.ignored_duplicate_token;
            return;
        }
        const ts_t ts = in.timestamp_ns;
        if (in.participant >= kMaxParticipants || !participants_[in.participant].known) {
            reject(probe, key, in, ouch::RejectReason::kFirmNotAuthorized);
            return;
        }
        const std::uint32_t symbol = symbol_index_.find(stock_key(in.stock));
        if (symbol == detail::KeyMap::kMissing) {
            reject(probe, key, in, ouch::RejectReason::kInvalidStock);
            return;
        }
        SymbolBook& book = books_[symbol];
        if (book.halted) {
            reject(probe, key, in, ouch::RejectReason::kHalted);
            return;
        }
        if (in.cross_type != ouch::CrossType::kNoCross) {
            reject(probe, key, in, ouch::RejectReason::kNotAllowedInCross);
            return;
        }
        if (in.side != ouch::Side::kBuy && in.side != ouch::Side::kSell &&
            in.side != ouch::Side::kSellShort && in.side != ouch::Side::kSellShortExempt) {
            reject(probe, key, in, ouch::RejectReason::kOther);
            return;
        }
        const BookSide side = in.side == ouch::Side::kBuy ? BookSide::kBuy : BookSide::kSell;
        const detail::DisplayTraits traits = detail::display_traits(in.display);
        ouch::RejectReason reason{};
        if (!check_terms(book, side, in.shares, in.price, in.time_in_force, traits,
                         in.minimum_quantity, reason)) {
            reject(probe, key, in, reason);
            return;
        }
        const TokenTable::Inserted inserted = tokens_.claim(probe, key, kDeadToken);
        if (inserted.full) {
            ++counters_.token_table_full;
            ++counters_.orders_rejected;
            emit_rejected(ts, in.participant, in.token, ouch::RejectReason::kOther);
            return;
        }
        const OrderIndex index = pool_.allocate();
        if (index == kNoOrder) {
            ++counters_.pool_exhausted;
            ++counters_.orders_rejected;
            emit_rejected(ts, in.participant, in.token, ouch::RejectReason::kOther);
            return;
        }
        tokens_.set_value(inserted.slot, index);
        ++counters_.orders_accepted;
        counters_.shares_entered += in.shares;

        Order& order = pool_[index];
        order.open = in.shares;
        order.symbol = static_cast<std::uint16_t>(symbol);
        order.side = side;
        order.price = in.price;
        order.level = book.level_of(in.price);
        order.displayed = traits.displayed;
        order.participant = in.participant;
        order.firm =
            firm_key(in.firm.blank() ? participants_[in.participant].default_firm : in.firm);
        order.aiq = aiq_method(order.firm);
        order.order_ref = next_order_ref_++;
        order.token_slot = inserted.slot;
        order.tif = time_in_force_code(in.time_in_force);
        order.token = in.token;
        order.ouch_side = in.side;
        order.display = in.display;
        // OUCH 4.2 section 2.1: capacities other than A, P and R are converted to O.
        order.capacity =
            (in.capacity == ouch::Capacity::kAgency || in.capacity == ouch::Capacity::kPrincipal ||
             in.capacity == ouch::Capacity::kRiskless)
                ? in.capacity
                : ouch::Capacity::kOther;
        order.intermarket_sweep = in.intermarket_sweep;
        order.cross_type = in.cross_type;
        order.customer_type = in.customer_type;

        sink_.on(OuchAccepted{ts, order.participant, order.token, order.ouch_side, order.open,
                              book.stock, order.price, in.time_in_force, order.firm_id(),
                              order.display, order.order_ref, order.capacity,
                              order.intermarket_sweep, in.minimum_quantity, order.cross_type,
                              ouch::OrderState::kLive, ouch::BboWeight::kUnspecified});
        execute_and_rest(index, book, ts, false, in.minimum_quantity);
    }

    void replace(const ReplaceOrder& in) noexcept {
        journal(in);
        const std::uint32_t existing_slot =
            tokens_.find(TokenTable::make_key(in.participant, in.existing_token));
        if (existing_slot == TokenTable::kNotFound || tokens_.value(existing_slot) == kDeadToken) {
            ++counters_.ignored_unknown_token;
            return;
        }
        const TokenTable::Key key = TokenTable::make_key(in.participant, in.replacement_token);
        const TokenTable::Probe probe = tokens_.probe(key);
        if (probe.found) {
            ++counters_.ignored_replacement_token_used;
            return;
        }
        const ts_t ts = in.timestamp_ns;
        const OrderIndex index = tokens_.value(existing_slot);
        Order& order = pool_[index];
        SymbolBook& book = books_[order.symbol];
        if (book.halted) {
            ++counters_.replaces_rejected;
            if (tokens_.claim(probe, key, kDeadToken).full) {
                ++counters_.token_table_full;
            }
            emit_rejected(ts, in.participant, in.replacement_token, ouch::RejectReason::kHalted);
            return;
        }
        const detail::DisplayTraits traits = detail::display_traits(in.display);
        ouch::RejectReason reason{};
        if (!check_terms(book, order.side, in.shares, in.price, in.time_in_force, traits,
                         in.minimum_quantity, reason)) {
            ++counters_.replaces_canceled_invalid;
            counters_.shares_canceled += order.open;
            sink_.on(OuchCanceled{ts, order.participant, order.token, order.open,
                                  ouch::CancelReason::kUserRequested});
            remove_resting(index, book, ts);
            return;
        }
        const TokenTable::Inserted inserted = tokens_.claim(probe, key, index);
        if (inserted.full) {
            ++counters_.token_table_full;
            ++counters_.replaces_rejected;
            emit_rejected(ts, in.participant, in.replacement_token, ouch::RejectReason::kOther);
            return;
        }
        ++counters_.orders_replaced;
        tokens_.set_value(order.token_slot, kDeadToken);
        const Token previous_token = order.token;
        order.token = in.replacement_token;
        order.token_slot = inserted.slot;
        order.tif = time_in_force_code(in.time_in_force);
        order.intermarket_sweep = in.intermarket_sweep;
        // The original's open shares leave, the replacement's enter.
        counters_.shares_canceled += order.open;
        counters_.shares_entered += in.shares;

        const bool keeps_priority = in.price == order.price && in.shares < order.open &&
                                    in.display == order.display &&
                                    in.time_in_force != ouch::kTimeInForceImmediateOrCancel;
        if (keeps_priority) {
            const Shares decrement = order.open - in.shares;
            book.side(order.side).reduce(pool_, index, decrement);
            emit_replaced(ts, order, book, previous_token, in.minimum_quantity);
            if (order.displayed) {
                sink_.on(ItchOrderCancel{ts, book.locate, order.order_ref, decrement});
            }
            return;
        }

        const bool was_displayed = order.displayed;
        const OrderRef original_ref = order.order_ref;
        book.side(order.side).remove(pool_, index);
        order.open = in.shares;
        order.price = in.price;
        order.level = book.level_of(in.price);
        order.display = in.display;
        order.displayed = traits.displayed;
        order.order_ref = next_order_ref_++;
        emit_replaced(ts, order, book, previous_token, in.minimum_quantity);
        bool announced = false;
        if (was_displayed) {
            if (order.displayed && !crosses(book, order) && !order.ioc()) {
                sink_.on(ItchOrderReplace{ts, book.locate, original_ref, order.order_ref,
                                          order.open, order.price});
                announced = true;
            } else {
                sink_.on(ItchOrderDelete{ts, book.locate, original_ref});
            }
        }
        execute_and_rest(index, book, ts, announced, in.minimum_quantity);
    }

    void cancel(const CancelOrder& in) noexcept {
        journal(in);
        const std::uint32_t slot = tokens_.find(TokenTable::make_key(in.participant, in.token));
        if (slot == TokenTable::kNotFound || tokens_.value(slot) == kDeadToken) {
            ++counters_.ignored_unknown_token;
            return;
        }
        const OrderIndex index = tokens_.value(slot);
        Order& order = pool_[index];
        if (in.shares >= order.open) {
            ++counters_.ignored_cancel_not_smaller;
            return;
        }
        ++counters_.cancels_applied;
        counters_.shares_canceled += order.open - in.shares;
        SymbolBook& book = books_[order.symbol];
        const ts_t ts = in.timestamp_ns;
        const Shares decrement = order.open - in.shares;
        sink_.on(OuchCanceled{ts, order.participant, order.token, decrement,
                              ouch::CancelReason::kUserRequested});
        if (in.shares == 0) {
            remove_resting(index, book, ts);
            return;
        }
        book.side(order.side).reduce(pool_, index, decrement);
        if (order.displayed) {
            sink_.on(ItchOrderCancel{ts, book.locate, order.order_ref, decrement});
        }
    }

    void trading_action(const TradingAction& in) noexcept {
        journal(in);
        const std::uint32_t symbol = symbol_index_.find(stock_key(in.stock));
        if (symbol == detail::KeyMap::kMissing) {
            ++counters_.ignored_unknown_symbol_action;
            return;
        }
        ++counters_.trading_actions;
        SymbolBook& book = books_[symbol];
        book.halted = in.halted;
        sink_.on(ItchTradingAction{in.timestamp_ns, book.locate, book.stock, in.halted ? 'H' : 'T',
                                   in.reason});
    }

    // Hints the CPU to fetch the token-table slots an input will touch; a gateway processing a
    // burst calls it for input i + k while it processes input i.
    void prefetch(const Input& input) const noexcept {
        std::visit(
            [this](const auto& in) {
                using T = std::remove_cvref_t<decltype(in)>;
                if constexpr (std::is_same_v<T, EnterOrder> || std::is_same_v<T, CancelOrder>) {
                    tokens_.prefetch(TokenTable::make_key(in.participant, in.token));
                } else if constexpr (std::is_same_v<T, ReplaceOrder>) {
                    tokens_.prefetch(TokenTable::make_key(in.participant, in.existing_token));
                    tokens_.prefetch(TokenTable::make_key(in.participant, in.replacement_token));
                }
            },
            input);
    }

    // ---- inspection (control side, tests, the invariant checker) ----

    [[nodiscard]] const EngineCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] std::uint64_t config_fingerprint() const noexcept { return fingerprint_; }
    [[nodiscard]] std::size_t symbol_count() const noexcept { return books_.size(); }
    [[nodiscard]] const SymbolBook& book(std::size_t symbol) const noexcept {
        return books_[symbol];
    }
    [[nodiscard]] const OrderPool& pool() const noexcept { return pool_; }
    [[nodiscard]] const TokenTable& tokens() const noexcept { return tokens_; }
    // The live order with this token, or nullptr.
    [[nodiscard]] const Order* find_order(ParticipantId participant,
                                          const Token& token) const noexcept {
        const std::uint32_t slot = tokens_.find(TokenTable::make_key(participant, token));
        if (slot == TokenTable::kNotFound || tokens_.value(slot) == kDeadToken) {
            return nullptr;
        }
        return &pool_[tokens_.value(slot)];
    }
    [[nodiscard]] OrderRef next_order_ref() const noexcept { return next_order_ref_; }
    [[nodiscard]] MatchNumber next_match_number() const noexcept { return next_match_; }

private:
    using ts_t = std::int64_t;

    struct ParticipantState {
        bool known = false;
        Firm default_firm;
    };

    void handle(const EnterOrder& in) noexcept { enter(in); }
    void handle(const ReplaceOrder& in) noexcept { replace(in); }
    void handle(const CancelOrder& in) noexcept { cancel(in); }
    void handle(const TradingAction& in) noexcept { trading_action(in); }

    template <class T>
    void journal(const T& in) noexcept {
        if (journal_ != nullptr && !journal_->append(in)) {
            ++counters_.journal_dropped;
        }
    }

    [[nodiscard]] AiqMethod aiq_method(std::uint32_t firm) const noexcept {
        const std::uint32_t method = firm_aiq_.find(firm);
        return method == detail::KeyMap::kMissing ? default_aiq_ : static_cast<AiqMethod>(method);
    }

    // The Enter Order checks shared with Replace Order, in the order listed at the top.
    [[nodiscard]] bool check_terms(const SymbolBook& book, BookSide side, Shares shares,
                                   Price price, std::uint32_t time_in_force,
                                   const detail::DisplayTraits& traits, Shares minimum_quantity,
                                   ouch::RejectReason& reason) const noexcept {
        if (!traits.valid) {
            reason = ouch::RejectReason::kInvalidDisplayType;
            return false;
        }
        if (shares == 0) {
            reason = ouch::RejectReason::kOther;
            return false;
        }
        if (shares > max_order_shares_) {
            reason = ouch::RejectReason::kSharesOverSafetyThreshold;
            return false;
        }
        if (!book.valid_price(price)) {
            reason = ouch::RejectReason::kInvalidPrice;
            return false;
        }
        const bool ioc = time_in_force == ouch::kTimeInForceImmediateOrCancel;
        if (!ioc && time_in_force != ouch::kTimeInForceMarketHours &&
            time_in_force != ouch::kTimeInForceSystemHours) {
            // Timed orders (1..86399 seconds) would need a timer; the engine offers none.
            reason = ouch::RejectReason::kOther;
            return false;
        }
        if (minimum_quantity > 0 && (!ioc || minimum_quantity > shares)) {
            reason = ouch::RejectReason::kInvalidMinimumQuantity;
            return false;
        }
        if (traits.post_only) {
            // Post-only: rejected when it would take liquidity, i.e. when any contra order,
            // displayed or not, rests at a price it crosses.
            const PriceLevels& contra = book.side(opposite(side));
            const std::uint32_t level = book.level_of(price);
            if (!contra.empty() &&
                (side == BookSide::kBuy ? contra.best() <= level : contra.best() >= level)) {
                reason = ouch::RejectReason::kOther;
                return false;
            }
        }
        return true;
    }

    template <class In>
    void reject(const TokenTable::Probe& probe, const TokenTable::Key& key, const In& in,
                ouch::RejectReason reason) noexcept {
        // A rejected order consumes its token (OUCH 4.2 section 2.1: day-unique); when the table
        // is full the token stays free, which only matters to a client reusing it.
        if (tokens_.claim(probe, key, kDeadToken).full) {
            ++counters_.token_table_full;
        }
        ++counters_.orders_rejected;
        emit_rejected(in.timestamp_ns, in.participant, in.token, reason);
    }

    void emit_rejected(ts_t ts, ParticipantId participant, const Token& token,
                       ouch::RejectReason reason) noexcept {
        sink_.on(OuchRejected{ts, participant, token, reason});
    }

    void emit_replaced(ts_t ts, const Order& order, const SymbolBook& book,
                       const Token& previous_token, Shares minimum_quantity) noexcept {
        sink_.on(OuchReplaced{
            ts, order.participant, order.token, order.ouch_side, order.open, book.stock,
            order.price, order.time_in_force(), order.firm_id(), order.display, order.order_ref,
            order.capacity, order.intermarket_sweep, minimum_quantity, order.cross_type,
            ouch::OrderState::kLive, previous_token, ouch::BboWeight::kUnspecified});
    }

    // Whether the order's price reaches the best contra level.
    [[nodiscard]] static bool crosses(const SymbolBook& book, const Order& order) noexcept {
        const PriceLevels& contra = book.side(opposite(order.side));
        if (contra.empty()) {
            return false;
        }
        return order.side == BookSide::kBuy ? contra.best() <= order.level
                                            : contra.best() >= order.level;
    }

    // Ends an order's life: its token stays used today but no longer finds it.
    void retire(OrderIndex index) noexcept {
        tokens_.set_value(pool_[index].token_slot, kDeadToken);
        pool_.release(index);
    }

    // Takes a resting order off the book entirely (full cancel): Delete on the feed if shown.
    void remove_resting(OrderIndex index, SymbolBook& book, ts_t ts) noexcept {
        Order& order = pool_[index];
        if (order.displayed) {
            sink_.on(ItchOrderDelete{ts, book.locate, order.order_ref});
        }
        book.side(order.side).remove(pool_, index);
        retire(index);
    }

    // The shares an incoming order would execute now under the matching rules (AIQ
    // included), without changing anything: the minimum quantity test.
    [[nodiscard]] Shares executable(const Order& in, const SymbolBook& book) const noexcept {
        const PriceLevels& contra = book.side(opposite(in.side));
        Shares remaining = in.open;
        Shares executed = 0;
        for (std::uint32_t level = contra.best(); level != kNoLevel;
             level = contra.next_after(level)) {
            if (in.side == BookSide::kBuy ? level > in.level : level < in.level) {
                break;
            }
            for (OrderIndex r = contra.level(level).head; r != kNoOrder; r = pool_[r].next) {
                const Order& resting = pool_[r];
                const Shares q = std::min(remaining, resting.open);
                if (resting.firm == in.firm && in.aiq != AiqMethod::kNone) {
                    switch (in.aiq) {
                        case AiqMethod::kCancelNewest:
                        case AiqMethod::kCancelBoth:
                            return executed;
                        case AiqMethod::kCancelOldest:
                            continue;
                        case AiqMethod::kDecrementCancelSmaller:
                            remaining -= q;
                            break;
                        case AiqMethod::kNone:
                            break;
                    }
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

    // Matches an accepted (or replacement) order, then cancels an IOC remainder or rests the
    // rest. `announced`: the feed already shows the order at its level (Order Replace).
    void execute_and_rest(OrderIndex index, SymbolBook& book, ts_t ts, bool announced,
                          Shares minimum_quantity) noexcept {
        Order& in = pool_[index];
        if (crosses(book, in) &&
            (minimum_quantity == 0 || executable(in, book) >= minimum_quantity)) {
            match(index, book, ts);
        }
        if (in.open == 0) {
            retire(index);
            return;
        }
        if (in.ioc()) {
            ++counters_.ioc_canceled;
            counters_.shares_canceled += in.open;
            sink_.on(OuchCanceled{ts, in.participant, in.token, in.open,
                                  ouch::CancelReason::kImmediateOrCancel});
            in.open = 0;
            retire(index);
            return;
        }
        book.side(in.side).push_back(pool_, index);
        if (in.displayed && !announced) {
            if (detail::display_traits(in.display).attributed) {
                sink_.on(ItchAddOrderMpid{ts, book.locate, in.order_ref, itch_side(in.side),
                                          in.open, book.stock, in.price, in.firm_id()});
            } else {
                sink_.on(ItchAddOrder{ts, book.locate, in.order_ref, itch_side(in.side), in.open,
                                      book.stock, in.price});
            }
        }
    }

    // Price-time matching of the incoming order against the contra side.
    void match(OrderIndex index, SymbolBook& book, ts_t ts) noexcept {
        Order& in = pool_[index];
        PriceLevels& contra = book.side(opposite(in.side));
        while (in.open > 0) {
            const std::uint32_t level = contra.best();
            if (level == kNoLevel ||
                (in.side == BookSide::kBuy ? level > in.level : level < in.level)) {
                return;
            }
            const Price price = book.price_of(level);
            // Each step takes the level's first order; the level empties (and best() moves on)
            // when its last order leaves.
            while (in.open > 0 && contra.level(level).head != kNoOrder) {
                const OrderIndex r = contra.level(level).head;
                Order& resting = pool_[r];
                if (resting.firm == in.firm && in.aiq != AiqMethod::kNone) [[unlikely]] {
                    if (!prevent_internal(index, r, book, price, ts)) {
                        return;
                    }
                    continue;
                }
                const Shares q = std::min(in.open, resting.open);
                const MatchNumber match_number = next_match_++;
                ++counters_.executions;
                if (resting.displayed) {
                    sink_.on(
                        ItchOrderExecuted{ts, book.locate, resting.order_ref, q, match_number});
                } else {
                    // ITCH 5.0 section 4.6.1: the Trade message's Order Reference Number is 0.
                    sink_.on(ItchTrade{ts, book.locate, 0, itch_side(resting.side), q, book.stock,
                                       price, match_number});
                }
                sink_.on(OuchExecuted{ts, resting.participant, resting.token, q, price,
                                      resting.displayed ? ouch::LiquidityFlag::kAdded
                                                        : ouch::LiquidityFlag::kNonDisplayedAdded,
                                      match_number});
                sink_.on(OuchExecuted{ts, in.participant, in.token, q, price,
                                      ouch::LiquidityFlag::kRemoved, match_number});
                in.open -= q;
                counters_.shares_executed += 2 * std::uint64_t{q};
                contra.reduce(pool_, r, q);
                if (resting.open == 0) {
                    contra.remove(pool_, r);
                    retire(r);
                }
            }
        }
    }

    // Anti-internalization between the incoming order and a resting order of the same firm.
    // Returns whether matching goes on.
    bool prevent_internal(OrderIndex index, OrderIndex r, SymbolBook& book, Price price,
                          ts_t ts) noexcept {
        Order& in = pool_[index];
        const Order& resting = pool_[r];
        const Shares prevented = std::min(in.open, resting.open);
        switch (in.aiq) {
            case AiqMethod::kCancelNewest:
                aiq_reduce_incoming(in, in.open, prevented, price, ts);
                return false;
            case AiqMethod::kCancelOldest:
                aiq_reduce_resting(r, resting.open, prevented, price, book, ts);
                return true;
            case AiqMethod::kCancelBoth:
                aiq_reduce_resting(r, resting.open, prevented, price, book, ts);
                aiq_reduce_incoming(in, in.open, prevented, price, ts);
                return false;
            case AiqMethod::kDecrementCancelSmaller:
                aiq_reduce_resting(r, prevented, prevented, price, book, ts);
                aiq_reduce_incoming(in, prevented, prevented, price, ts);
                return in.open > 0;
            case AiqMethod::kNone:
                break;
        }
        assert(false);
        return false;
    }

    void aiq_reduce_resting(OrderIndex r, Shares decrement, Shares prevented, Price price,
                            SymbolBook& book, ts_t ts) noexcept {
        Order& resting = pool_[r];
        ++counters_.aiq_decrements;
        counters_.shares_canceled += decrement;
        sink_.on(OuchAiqCanceled{ts, resting.participant, resting.token, decrement,
                                 ouch::kAiqCancelReason, prevented, price,
                                 resting.displayed ? ouch::LiquidityFlag::kAdded
                                                   : ouch::LiquidityFlag::kNonDisplayedAdded});
        if (decrement == resting.open) {
            remove_resting(r, book, ts);
            return;
        }
        book.side(resting.side).reduce(pool_, r, decrement);
        if (resting.displayed) {
            sink_.on(ItchOrderCancel{ts, book.locate, resting.order_ref, decrement});
        }
    }

    void aiq_reduce_incoming(Order& in, Shares decrement, Shares prevented, Price price,
                             ts_t ts) noexcept {
        ++counters_.aiq_decrements;
        counters_.shares_canceled += decrement;
        sink_.on(OuchAiqCanceled{ts, in.participant, in.token, decrement, ouch::kAiqCancelReason,
                                 prevented, price, ouch::LiquidityFlag::kRemoved});
        in.open -= decrement;
    }

    Sink& sink_;
    std::uint64_t fingerprint_;
    Shares max_order_shares_;
    OrderPool pool_;
    TokenTable tokens_;
    std::vector<SymbolBook> books_;
    detail::KeyMap symbol_index_;
    detail::KeyMap firm_aiq_;
    AiqMethod default_aiq_;
    std::vector<ParticipantState> participants_;
    JournalWriter* journal_ = nullptr;
    OrderRef next_order_ref_ = 1;
    MatchNumber next_match_ = 1;
    EngineCounters counters_;
};

}  // namespace tb::exchange
