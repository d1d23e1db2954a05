#pragma once

// Test fixture for behaviour tests of the matching engine: one symbol "ACME" ($10.00 reference,
// $0.01 tick, $1.00 band), participants 1..3 with firms FRMA, FRMB, FRMC (decrement/cancel
// smaller by default), and helpers that build inputs and read the recorded events.

#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "exchange_sim/engine/engine.hpp"
#include "exchange_sim/engine/invariants.hpp"
#include "exchange_sim/engine/sinks.hpp"

namespace tb::exchange::testing {

inline constexpr Price kTen = 100'000;  // $10.00
inline constexpr Price kCent = 100;     // one tick

class EngineTest : public ::testing::Test {
protected:
    static EngineConfig default_config() {
        EngineConfig config;
        config.symbols.push_back({Stock::from("ACME"), 5, kCent, kTen, 100 * kCent, false});
        config.symbols.push_back({Stock::from("OTHER"), 6, kCent, kTen, 100 * kCent, false});
        config.participants.push_back({1, Firm::from("FRMA")});
        config.participants.push_back({2, Firm::from("FRMB")});
        config.participants.push_back({3, Firm::from("FRMC")});
        config.max_orders = 1024;
        config.max_tokens = 4096;
        return config;
    }

    // Builds the engine; tests that change `config` call it again.
    void start() {
        engine_.reset();
        sink_ = std::make_unique<RecordingSink>(4096);
        engine_ = std::make_unique<Engine<RecordingSink>>(config, *sink_);
    }

    void SetUp() override { start(); }

    void TearDown() override { EXPECT_EQ(check_invariants(*engine_), ""); }

    [[nodiscard]] EnterOrder order(ParticipantId participant, const char* token, ouch::Side side,
                                   Shares shares, Price price) {
        EnterOrder in;
        in.timestamp_ns = ++now_ns;
        in.participant = participant;
        in.token = Token::from(token);
        in.side = side;
        in.shares = shares;
        in.stock = Stock::from("ACME");
        in.price = price;
        return in;
    }
    [[nodiscard]] EnterOrder buy(ParticipantId participant, const char* token, Shares shares,
                                 Price price) {
        return order(participant, token, ouch::Side::kBuy, shares, price);
    }
    [[nodiscard]] EnterOrder sell(ParticipantId participant, const char* token, Shares shares,
                                  Price price) {
        return order(participant, token, ouch::Side::kSell, shares, price);
    }
    [[nodiscard]] ReplaceOrder replacement(ParticipantId participant, const char* existing,
                                           const char* token, Shares shares, Price price) {
        ReplaceOrder in;
        in.timestamp_ns = ++now_ns;
        in.participant = participant;
        in.existing_token = Token::from(existing);
        in.replacement_token = Token::from(token);
        in.shares = shares;
        in.price = price;
        return in;
    }
    [[nodiscard]] CancelOrder cancellation(ParticipantId participant, const char* token,
                                           Shares shares) {
        CancelOrder in;
        in.timestamp_ns = ++now_ns;
        in.participant = participant;
        in.token = Token::from(token);
        in.shares = shares;
        return in;
    }
    [[nodiscard]] TradingAction action(bool halted) {
        TradingAction in;
        in.timestamp_ns = ++now_ns;
        in.stock = Stock::from("ACME");
        in.halted = halted;
        in.reason = halted ? ActionReason::from("T1") : ActionReason{};
        return in;
    }

    // Processes one input and returns the events it caused.
    std::vector<Event> run(const Input& input) {
        sink_->clear();
        engine_->process(input);
        EXPECT_EQ(sink_->dropped(), 0u);
        return sink_->events();
    }

    // Events of one type among `events`.
    template <class E>
    [[nodiscard]] static std::vector<E> only(const std::vector<Event>& events) {
        std::vector<E> out;
        for (const Event& event : events) {
            if (const E* e = std::get_if<E>(&event)) {
                out.push_back(*e);
            }
        }
        return out;
    }

    // The event types in order, e.g. "OuchAccepted ItchAddOrder", for sequence checks.
    [[nodiscard]] static std::string kinds(const std::vector<Event>& events) {
        std::string out;
        for (const Event& event : events) {
            std::string text = to_string(event);
            if (!out.empty()) {
                out += ' ';
            }
            out += text.substr(0, text.find('{'));
        }
        return out;
    }

    [[nodiscard]] const Order* live(ParticipantId participant, const char* token) const {
        return engine_->find_order(participant, Token::from(token));
    }
    [[nodiscard]] const SymbolBook& acme() const { return engine_->book(0); }
    [[nodiscard]] const EngineCounters& counters() const { return engine_->counters(); }

    EngineConfig config = default_config();
    std::int64_t now_ns = 34'200'000'000'000;
    std::unique_ptr<RecordingSink> sink_;
    std::unique_ptr<Engine<RecordingSink>> engine_;
};

}  // namespace tb::exchange::testing
