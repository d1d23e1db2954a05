#pragma once

// Seeded random order flow for differential and replay tests: every input type, valid and
// invalid, on a small price grid so that orders cross, queue, self-match and get replaced often.
// Deterministic: core::Rng only.

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/random.hpp"
#include "exchange_sim/engine/config.hpp"
#include "exchange_sim/engine/inputs.hpp"

namespace tb::exchange::testing {

// Two symbols with 41 levels each ($99.80 .. $100.20 and $9.90 .. $10.10), four participants,
// five firms covering every AIQ method (FRMA..FRME) and one unlisted firm (FRMX, default AIQ).
inline EngineConfig random_flow_config() {
    EngineConfig config;
    config.symbols.push_back({Stock::from("AAA"), 0, 100, 1'000'000, 2'000, false});
    config.symbols.push_back({Stock::from("BBBB"), 7, 50, 100'000, 1'000, false});
    config.participants.push_back({1, Firm::from("FRMA")});
    config.participants.push_back({2, Firm::from("FRMB")});
    config.participants.push_back({3, Firm::from("FRMC")});
    config.participants.push_back({4, Firm::from("FRMD")});
    config.firms.push_back({Firm::from("FRMA"), AiqMethod::kDecrementCancelSmaller});
    config.firms.push_back({Firm::from("FRMB"), AiqMethod::kCancelNewest});
    config.firms.push_back({Firm::from("FRMC"), AiqMethod::kCancelOldest});
    config.firms.push_back({Firm::from("FRMD"), AiqMethod::kCancelBoth});
    config.firms.push_back({Firm::from("FRME"), AiqMethod::kNone});
    config.default_aiq = AiqMethod::kDecrementCancelSmaller;
    config.max_order_shares = 5'000;
    config.max_orders = 1u << 16;
    config.max_tokens = 1u << 22;
    return config;
}

class RandomFlow {
public:
    explicit RandomFlow(std::uint64_t seed) : rng_(core::Rng(seed).fork("engine-flow")) {}

    // An oracle telling whether a token's order is live, so that most cancels and replaces
    // target live orders; without one, targets are recent tokens, mostly of dead orders.
    using Liveness = std::function<bool(ParticipantId, const Token&)>;
    void set_liveness(Liveness live) { live_ = std::move(live); }

    [[nodiscard]] Input next() {
        timestamp_ns_ += 1 + static_cast<std::int64_t>(rng_.below(1000));
        const std::uint64_t pick = rng_.below(1000);
        if (pick < 500) {
            return enter();
        }
        if (pick < 800) {
            return replace();
        }
        if (pick < 995) {
            return cancel();
        }
        return action();
    }

private:
    static constexpr ParticipantId kParticipants = 5;  // 1..4 known, 5 unknown

    [[nodiscard]] ParticipantId participant() {
        // Mostly known accounts; now and then the unknown one.
        return rng_.below(100) < 98 ? static_cast<ParticipantId>(1 + rng_.below(4)) : kParticipants;
    }

    [[nodiscard]] Token fresh_token(ParticipantId p) {
        // snprintf rather than std::string concatenation, which GCC 12 at -O3 warns about
        // falsely (-Wrestrict).
        char text[32];
        const int size = std::snprintf(text, sizeof text, "T%u-%llu", static_cast<unsigned>(p),
                                       static_cast<unsigned long long>(++serial_));
        const Token token = Token::from(std::string_view(text, static_cast<std::size_t>(size)));
        used_.push_back({p, token, last_.stock, 0, 0, ouch::Display::kAnonymous});
        return token;
    }

    // Remembers a token whose order may rest (not IOC), the likely targets of cancels and
    // replaces.
    void may_rest(ParticipantId p, const Token& token, std::uint32_t tif, const Stock& stock,
                  Price price, Shares shares, ouch::Display display) {
        if (tif != ouch::kTimeInForceImmediateOrCancel) {
            resting_.push_back({p, token, stock, price, shares, display});
        }
    }

    // A token used before, for cancels, replaces and duplicates: mostly one of a recent order
    // that is live (when a liveness oracle is set) or may still rest, sometimes any token.
    [[nodiscard]] bool used_token(ParticipantId& p, Token& token) {
        const bool any = resting_.empty() || rng_.below(100) < 10;
        const std::vector<Used>& pool = any ? used_ : resting_;
        if (pool.empty()) {
            return false;
        }
        const std::size_t window = std::min<std::size_t>(pool.size(), 1024);
        std::size_t i = pool.size() - 1 - rng_.below(window);
        for (int attempt = 0; live_ && !any && attempt < 8; ++attempt) {
            if (live_(pool[i].participant, pool[i].token)) {
                break;
            }
            i = pool.size() - 1 - rng_.below(window);
        }
        p = pool[i].participant;
        token = pool[i].token;
        last_ = pool[i];
        return true;
    }

    [[nodiscard]] Stock stock() {
        const std::uint64_t pick = rng_.below(100);
        if (pick < 60) {
            return Stock::from("AAA");
        }
        if (pick < 99) {
            return Stock::from("BBBB");
        }
        return Stock::from("ZZZZ");
    }

    [[nodiscard]] Price price(const Stock& s) {
        const bool first = s == Stock::from("AAA");
        const Price centre = first ? 1'000'000 : 100'000;
        const Price tick = first ? 100 : 50;
        const std::uint64_t pick = rng_.below(1000);
        if (pick < 5) {
            return centre + tick / 2;  // off the tick grid
        }
        if (pick < 10) {
            return centre + tick * 25;  // outside the band
        }
        // A narrow grid around the centre so orders cross often.
        return centre - 5 * tick + static_cast<Price>(rng_.below(11)) * tick;
    }

    [[nodiscard]] Shares shares() {
        const std::uint64_t pick = rng_.below(1000);
        if (pick < 5) {
            return 0;
        }
        if (pick < 10) {
            return 5'001 + static_cast<Shares>(rng_.below(10));
        }
        return 1 + static_cast<Shares>(rng_.below(pick < 900 ? 300 : 5'000));
    }

    [[nodiscard]] std::uint32_t time_in_force() {
        const std::uint64_t pick = rng_.below(100);
        if (pick < 20) {
            return ouch::kTimeInForceImmediateOrCancel;
        }
        if (pick < 60) {
            return ouch::kTimeInForceMarketHours;
        }
        if (pick < 99) {
            return ouch::kTimeInForceSystemHours;
        }
        return 30;  // a timed order, not supported
    }

    [[nodiscard]] ouch::Display display() {
        static constexpr ouch::Display kDisplays[] = {
            ouch::Display::kAnonymous,  ouch::Display::kAnonymous,
            ouch::Display::kAnonymous,  ouch::Display::kAttributable,
            ouch::Display::kNonDisplay, ouch::Display::kNonDisplay,
            ouch::Display::kPostOnly,   ouch::Display::kPostOnlyAttributable,
        };
        if (rng_.below(200) == 0) {
            return ouch::Display::kMidpointPeg;  // not supported
        }
        return kDisplays[rng_.below(std::size(kDisplays))];
    }

    [[nodiscard]] Shares minimum_quantity(Shares order_shares, std::uint32_t tif) {
        const std::uint64_t pick = rng_.below(100);
        if (pick < 85 || order_shares == 0) {
            return 0;
        }
        if (pick < 97 && tif == ouch::kTimeInForceImmediateOrCancel) {
            return 1 + static_cast<Shares>(rng_.below(order_shares));
        }
        return 1 + static_cast<Shares>(rng_.below(order_shares + 10));  // often invalid
    }

    [[nodiscard]] Firm firm() {
        static const Firm kFirms[] = {Firm::from("FRMA"), Firm::from("FRMB"), Firm::from("FRMC"),
                                      Firm::from("FRMD"), Firm::from("FRME"), Firm::from("FRMX")};
        return rng_.below(100) < 60 ? Firm{} : kFirms[rng_.below(std::size(kFirms))];
    }

    [[nodiscard]] Input enter() {
        EnterOrder in;
        in.timestamp_ns = timestamp_ns_;
        in.stock = stock();
        ParticipantId p = participant();
        Token token;
        if (rng_.below(100) < 2 && used_token(p, token)) {
            in.token = token;  // a duplicate
        } else {
            last_.stock = in.stock;
            in.token = fresh_token(p);
        }
        in.participant = p;
        static constexpr ouch::Side kSides[] = {ouch::Side::kBuy, ouch::Side::kBuy,
                                                ouch::Side::kSell, ouch::Side::kSellShort,
                                                ouch::Side::kSellShortExempt};
        in.side = rng_.below(500) == 0 ? static_cast<ouch::Side>('Q')
                                       : kSides[rng_.below(std::size(kSides))];
        in.price = price(in.stock);
        in.shares = shares();
        in.time_in_force = time_in_force();
        in.firm = firm();
        in.display = display();
        in.capacity =
            rng_.below(50) == 0 ? static_cast<ouch::Capacity>('x') : ouch::Capacity::kPrincipal;
        in.minimum_quantity = minimum_quantity(in.shares, in.time_in_force);
        in.cross_type =
            rng_.below(200) == 0 ? ouch::CrossType::kOpening : ouch::CrossType::kNoCross;
        may_rest(in.participant, in.token, in.time_in_force, in.stock, in.price, in.shares,
                 in.display);
        return in;
    }

    [[nodiscard]] Input replace() {
        ReplaceOrder in;
        in.timestamp_ns = timestamp_ns_;
        ParticipantId p = participant();
        Token token;
        if (!used_token(p, token)) {
            return enter();
        }
        in.participant = p;
        in.existing_token = token;
        Token replacement;
        ParticipantId same = p;
        if (rng_.below(100) < 2 && used_token(same, replacement) && same == p) {
            in.replacement_token = replacement;  // already used
        } else {
            in.replacement_token = fresh_token(p);
        }
        // Mostly a price for the order's own symbol; now and then one of the other symbol,
        // usually outside the band (outcome 2).
        const Stock own = last_.stock;
        const Stock other = own == Stock::from("AAA") ? Stock::from("BBBB") : Stock::from("AAA");
        in.price = price(rng_.below(100) < 95 ? own : other);
        in.shares = shares();
        in.time_in_force = time_in_force();
        in.display = display();
        if (last_.shares > 1 && rng_.below(100) < 30) {
            // Same price and display, smaller size: the replace that keeps priority (unless
            // the order has executed down below the new size).
            in.price = last_.price;
            in.display = last_.display;
            in.shares = 1 + static_cast<Shares>(rng_.below(last_.shares - 1));
        }
        in.minimum_quantity = minimum_quantity(in.shares, in.time_in_force);
        may_rest(in.participant, in.replacement_token, in.time_in_force, last_.stock, in.price,
                 in.shares, in.display);
        return in;
    }

    [[nodiscard]] Input cancel() {
        CancelOrder in;
        in.timestamp_ns = timestamp_ns_;
        ParticipantId p = participant();
        Token token;
        if (!used_token(p, token)) {
            return enter();
        }
        in.participant = p;
        in.token = token;
        in.shares = rng_.below(100) < 40 ? 0 : static_cast<Shares>(rng_.below(300));
        return in;
    }

    // Halts are short: a halted symbol is resumed by the next action; otherwise a symbol is
    // halted now and then, and sometimes a trading symbol is told to trade again.
    [[nodiscard]] Input action() {
        TradingAction in;
        in.timestamp_ns = timestamp_ns_;
        for (std::size_t i = 0; i < 2; ++i) {
            if (halted_[i]) {
                halted_[i] = false;
                in.stock = i == 0 ? Stock::from("AAA") : Stock::from("BBBB");
                in.halted = false;
                return in;
            }
        }
        in.stock = stock();
        in.halted = rng_.below(100) < 40;
        if (in.halted) {
            in.reason = ActionReason::from("T1");
            if (in.stock == Stock::from("AAA")) {
                halted_[0] = true;
            } else if (in.stock == Stock::from("BBBB")) {
                halted_[1] = true;
            }
        }
        return in;
    }

    struct Used {
        ParticipantId participant;
        Token token;
        Stock stock;
        Price price;  // as last sent (0 when not known)
        Shares shares;
        ouch::Display display;
    };

    core::Rng rng_;
    Liveness live_;
    std::int64_t timestamp_ns_ = 34'200'000'000'000;  // 09:30
    std::uint64_t serial_ = 0;
    std::vector<Used> used_;
    std::vector<Used> resting_;
    bool halted_[2] = {false, false};
    Used last_{0, Token{}, Stock::from("AAA"), 0, 0, ouch::Display::kAnonymous};  // last picked
};

}  // namespace tb::exchange::testing
