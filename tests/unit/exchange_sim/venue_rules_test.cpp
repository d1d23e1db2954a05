// Venue rules of the matching engine: rejects with their OUCH 4.2 reason codes, duplicate
// tokens, trading halts, the price band, post-only, minimum quantity and anti-internalization.

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "tests/unit/exchange_sim/engine_fixture.hpp"

namespace tb::exchange::testing {
namespace {

using VenueRules = EngineTest;

ouch::RejectReason rejected(const std::vector<Event>& events) {
    EXPECT_EQ(events.size(), 1u);
    if (events.size() != 1 || !std::holds_alternative<OuchRejected>(events[0])) {
        ADD_FAILURE() << "expected one Rejected";
        return ouch::RejectReason::kOther;
    }
    return std::get<OuchRejected>(events[0]).reason;
}

TEST_F(VenueRules, UnknownSymbolIsRejectedAsInvalidStock) {
    EnterOrder in = buy(1, "B1", 100, kTen);
    in.stock = Stock::from("NOPE");
    EXPECT_EQ(rejected(run(in)), ouch::RejectReason::kInvalidStock);
}

TEST_F(VenueRules, ZeroSharesAreRejected) {
    EXPECT_EQ(rejected(run(buy(1, "B1", 0, kTen))), ouch::RejectReason::kOther);
}

TEST_F(VenueRules, SharesAboveTheSafetyThresholdAreRejected) {
    EXPECT_EQ(rejected(run(buy(1, "B1", 1'000'000, kTen))),
              ouch::RejectReason::kSharesOverSafetyThreshold);
    EXPECT_EQ(kinds(run(buy(1, "B2", 999'999, kTen))), "OuchAccepted ItchAddOrder");
}

TEST_F(VenueRules, OffTickPriceIsRejectedAsInvalidPrice) {
    EXPECT_EQ(rejected(run(buy(1, "B1", 100, kTen + 1))), ouch::RejectReason::kInvalidPrice);
}

TEST_F(VenueRules, PriceOutsideTheBandIsRejectedAndTheBandEdgesAreAccepted) {
    EXPECT_EQ(rejected(run(buy(1, "B1", 100, kTen + 101 * kCent))),
              ouch::RejectReason::kInvalidPrice);
    EXPECT_EQ(rejected(run(sell(1, "S1", 100, kTen - 101 * kCent))),
              ouch::RejectReason::kInvalidPrice);
    EXPECT_EQ(rejected(run(buy(1, "B0", 100, 0))), ouch::RejectReason::kInvalidPrice);
    EXPECT_EQ(kinds(run(buy(1, "B2", 100, kTen - 100 * kCent))), "OuchAccepted ItchAddOrder");
    EXPECT_EQ(kinds(run(sell(1, "S2", 100, kTen + 100 * kCent))), "OuchAccepted ItchAddOrder");
}

TEST_F(VenueRules, UnsupportedDisplayTypeIsRejected) {
    EnterOrder in = buy(1, "B1", 100, kTen);
    in.display = ouch::Display::kMidpointPeg;
    EXPECT_EQ(rejected(run(in)), ouch::RejectReason::kInvalidDisplayType);
}

TEST_F(VenueRules, CrossOrdersAreRejected) {
    EnterOrder in = buy(1, "B1", 100, kTen);
    in.cross_type = ouch::CrossType::kClosing;
    EXPECT_EQ(rejected(run(in)), ouch::RejectReason::kNotAllowedInCross);
}

TEST_F(VenueRules, TimedTimeInForceIsRejected) {
    EnterOrder in = buy(1, "B1", 100, kTen);
    in.time_in_force = 60;
    EXPECT_EQ(rejected(run(in)), ouch::RejectReason::kOther);
}

TEST_F(VenueRules, UnknownParticipantIsRejectedAsFirmNotAuthorized) {
    EXPECT_EQ(rejected(run(buy(9, "B1", 100, kTen))), ouch::RejectReason::kFirmNotAuthorized);
}

TEST_F(VenueRules, RejectedMessageCarriesTokenAndParticipant) {
    const auto events = run(buy(2, "BAD", 0, kTen));
    const auto reject = std::get<OuchRejected>(events.at(0));
    EXPECT_EQ(reject.participant, 2);
    EXPECT_EQ(reject.token, Token::from("BAD"));
    EXPECT_EQ(reject.timestamp_ns, now_ns);
}

TEST_F(VenueRules, DuplicateTokenIsIgnored) {
    run(buy(1, "B1", 100, kTen));
    EXPECT_TRUE(run(buy(1, "B1", 50, kTen - kCent)).empty());
    EXPECT_EQ(counters().ignored_duplicate_token, 1u);
    EXPECT_EQ(live(1, "B1")->open, 100u);
}

TEST_F(VenueRules, TokenOfARejectedOrderIsConsumed) {
    run(buy(1, "B1", 0, kTen));
    EXPECT_TRUE(run(buy(1, "B1", 100, kTen)).empty());
}

TEST_F(VenueRules, TokenOfADeadOrderCannotBeReused) {
    run(buy(1, "B1", 100, kTen));
    run(cancellation(1, "B1", 0));
    EXPECT_TRUE(run(buy(1, "B1", 100, kTen)).empty());
}

TEST_F(VenueRules, TheSameTokenOnTwoAccountsNamesTwoOrders) {
    run(buy(1, "T", 100, kTen));
    EXPECT_EQ(kinds(run(buy(2, "T", 100, kTen))), "OuchAccepted ItchAddOrder");
    run(cancellation(2, "T", 0));
    EXPECT_NE(live(1, "T"), nullptr);
    EXPECT_EQ(live(2, "T"), nullptr);
}

TEST_F(VenueRules, HaltRejectsNewOrdersAndIsReportedOnTheFeed) {
    run(buy(1, "B1", 100, kTen));
    const auto halt = run(action(true));
    ASSERT_EQ(kinds(halt), "ItchTradingAction");
    const auto feed = std::get<ItchTradingAction>(halt[0]);
    EXPECT_EQ(feed.trading_state, 'H');
    EXPECT_EQ(feed.locate, 5);
    EXPECT_EQ(feed.stock, Stock::from("ACME"));
    EXPECT_EQ(feed.reason, ActionReason::from("T1"));
    EXPECT_EQ(rejected(run(sell(2, "S1", 100, kTen))), ouch::RejectReason::kHalted);
    // Other symbols keep trading.
    EnterOrder other = buy(2, "O1", 100, kTen);
    other.stock = Stock::from("OTHER");
    EXPECT_EQ(kinds(run(other)), "OuchAccepted ItchAddOrder");
}

TEST_F(VenueRules, CancelsAreAllowedDuringAHalt) {
    run(buy(1, "B1", 100, kTen));
    run(action(true));
    EXPECT_EQ(kinds(run(cancellation(1, "B1", 40))), "OuchCanceled ItchOrderCancel");
    EXPECT_EQ(kinds(run(cancellation(1, "B1", 0))), "OuchCanceled ItchOrderDelete");
}

TEST_F(VenueRules, ReplaceDuringAHaltIsRejectedAndTheOrderStaysIntact) {
    run(buy(1, "B1", 100, kTen));
    run(action(true));
    const auto events = run(replacement(1, "B1", "B1R", 50, kTen - kCent));
    EXPECT_EQ(rejected(events), ouch::RejectReason::kHalted);
    EXPECT_EQ(std::get<OuchRejected>(events[0]).token, Token::from("B1R"));
    ASSERT_NE(live(1, "B1"), nullptr);
    EXPECT_EQ(live(1, "B1")->open, 100u);
    EXPECT_EQ(live(1, "B1")->price, kTen);
    // The reject consumed the replacement token (OUCH 4.2 section 2.2).
    run(action(false));
    EXPECT_TRUE(run(replacement(1, "B1", "B1R", 50, kTen)).empty());
}

TEST_F(VenueRules, ResumeAllowsOrdersAgain) {
    run(action(true));
    const auto resume = run(action(false));
    EXPECT_EQ(std::get<ItchTradingAction>(resume.at(0)).trading_state, 'T');
    EXPECT_EQ(kinds(run(buy(1, "B1", 100, kTen))), "OuchAccepted ItchAddOrder");
}

TEST_F(VenueRules, SymbolConfiguredHaltedStartsHalted) {
    config.symbols[0].halted_at_start = true;
    start();
    EXPECT_EQ(rejected(run(buy(1, "B1", 100, kTen))), ouch::RejectReason::kHalted);
}

TEST_F(VenueRules, TradingActionForAnUnknownSymbolIsIgnored) {
    TradingAction in = action(true);
    in.stock = Stock::from("NOPE");
    EXPECT_TRUE(run(in).empty());
    EXPECT_EQ(counters().ignored_unknown_symbol_action, 1u);
}

TEST_F(VenueRules, PostOnlyOrderThatWouldTakeLiquidityIsRejected) {
    run(sell(2, "S1", 100, kTen));
    EnterOrder in = buy(1, "B1", 100, kTen);
    in.display = ouch::Display::kPostOnly;
    EXPECT_EQ(rejected(run(in)), ouch::RejectReason::kOther);
    EXPECT_EQ(live(2, "S1")->open, 100u);
}

TEST_F(VenueRules, PostOnlyOrderIsRejectedAgainstHiddenLiquidityToo) {
    EnterOrder hidden = sell(2, "S1", 100, kTen);
    hidden.display = ouch::Display::kNonDisplay;
    run(hidden);
    EnterOrder in = buy(1, "B1", 100, kTen + kCent);
    in.display = ouch::Display::kPostOnlyAttributable;
    EXPECT_EQ(rejected(run(in)), ouch::RejectReason::kOther);
}

TEST_F(VenueRules, PostOnlyOrderThatDoesNotCrossRests) {
    run(sell(2, "S1", 100, kTen));
    EnterOrder in = buy(1, "B1", 100, kTen - kCent);
    in.display = ouch::Display::kPostOnlyAttributable;
    const auto events = run(in);
    EXPECT_EQ(kinds(events), "OuchAccepted ItchAddOrderMpid");
    EXPECT_EQ(std::get<OuchAccepted>(events[0]).display, ouch::Display::kPostOnlyAttributable);
}

TEST_F(VenueRules, ReplaceOfAPostOnlyOrderToACrossingPriceCancelsIt) {
    run(sell(2, "S1", 100, kTen));
    EnterOrder in = buy(1, "B1", 100, kTen - kCent);
    in.display = ouch::Display::kPostOnly;
    run(in);
    ReplaceOrder replace = replacement(1, "B1", "B1R", 100, kTen);
    replace.display = ouch::Display::kPostOnly;
    EXPECT_EQ(kinds(run(replace)), "OuchCanceled ItchOrderDelete");
    EXPECT_EQ(live(2, "S1")->open, 100u);
}

TEST_F(VenueRules, MinimumQuantityOnANonIocOrderIsRejected) {
    EnterOrder in = buy(1, "B1", 100, kTen);
    in.minimum_quantity = 50;
    EXPECT_EQ(rejected(run(in)), ouch::RejectReason::kInvalidMinimumQuantity);
}

TEST_F(VenueRules, MinimumQuantityAboveTheSharesIsRejected) {
    EnterOrder in = buy(1, "B1", 100, kTen);
    in.time_in_force = ouch::kTimeInForceImmediateOrCancel;
    in.minimum_quantity = 101;
    EXPECT_EQ(rejected(run(in)), ouch::RejectReason::kInvalidMinimumQuantity);
}

TEST_F(VenueRules, MinimumQuantityNotAvailableExecutesNothing) {
    run(sell(2, "S1", 30, kTen));
    run(sell(3, "S2", 30, kTen + kCent));
    EnterOrder in = buy(1, "B1", 100, kTen + kCent);
    in.time_in_force = ouch::kTimeInForceImmediateOrCancel;
    in.minimum_quantity = 61;
    const auto events = run(in);
    EXPECT_EQ(kinds(events), "OuchAccepted OuchCanceled");
    EXPECT_EQ(std::get<OuchCanceled>(events[1]).decrement_shares, 100u);
    EXPECT_EQ(live(2, "S1")->open, 30u);
}

TEST_F(VenueRules, MinimumQuantityMetAcrossLevelsExecutes) {
    run(sell(2, "S1", 30, kTen));
    run(sell(3, "S2", 30, kTen + kCent));
    EnterOrder in = buy(1, "B1", 100, kTen + kCent);
    in.time_in_force = ouch::kTimeInForceImmediateOrCancel;
    in.minimum_quantity = 60;
    const auto events = run(in);
    EXPECT_EQ(only<ItchOrderExecuted>(events).size(), 2u);
    EXPECT_EQ(std::get<OuchCanceled>(events.back()).decrement_shares, 40u);
}

TEST_F(VenueRules, MinimumQuantityDoesNotCountTheFirmsOwnOrders) {
    run(sell(1, "S1", 100, kTen));  // FRMA, would be prevented by anti-internalization
    run(sell(2, "S2", 30, kTen));
    EnterOrder in = buy(1, "B1", 100, kTen);
    in.time_in_force = ouch::kTimeInForceImmediateOrCancel;
    in.minimum_quantity = 50;
    EXPECT_EQ(kinds(run(in)), "OuchAccepted OuchCanceled");
    EXPECT_EQ(live(1, "S1")->open, 100u);
}

TEST_F(VenueRules, AiqDecrementCancelsTheSmallerRestingOrderAndKeepsMatching) {
    run(sell(1, "S1", 40, kTen));   // FRMA
    run(sell(2, "S2", 100, kTen));  // FRMB
    const auto events = run(buy(1, "B1", 100, kTen));
    EXPECT_EQ(kinds(events),
              "OuchAccepted OuchAiqCanceled ItchOrderDelete OuchAiqCanceled ItchOrderExecuted "
              "OuchExecuted OuchExecuted");
    const auto resting = std::get<OuchAiqCanceled>(events[1]);
    EXPECT_EQ(resting.token, Token::from("S1"));
    EXPECT_EQ(resting.decrement_shares, 40u);
    EXPECT_EQ(resting.quantity_prevented, 40u);
    EXPECT_EQ(resting.execution_price, kTen);
    EXPECT_EQ(resting.reason, ouch::CancelReason::kSelfMatchPrevention);
    EXPECT_EQ(resting.liquidity_flag, ouch::LiquidityFlag::kAdded);
    const auto incoming = std::get<OuchAiqCanceled>(events[3]);
    EXPECT_EQ(incoming.token, Token::from("B1"));
    EXPECT_EQ(incoming.decrement_shares, 40u);
    EXPECT_EQ(incoming.liquidity_flag, ouch::LiquidityFlag::kRemoved);
    EXPECT_EQ(std::get<ItchOrderExecuted>(events[4]).executed_shares, 60u);
    EXPECT_EQ(live(2, "S2")->open, 40u);
}

TEST_F(VenueRules, AiqDecrementReducesTheLargerRestingOrderAndCancelsTheIncoming) {
    run(sell(1, "S1", 100, kTen));
    const auto events = run(buy(1, "B1", 30, kTen));
    EXPECT_EQ(kinds(events), "OuchAccepted OuchAiqCanceled ItchOrderCancel OuchAiqCanceled");
    EXPECT_EQ(std::get<ItchOrderCancel>(events[2]).canceled_shares, 30u);
    EXPECT_EQ(live(1, "S1")->open, 70u);
    EXPECT_EQ(live(1, "B1"), nullptr);
}

TEST_F(VenueRules, AiqDecrementOfEqualSizesCancelsBoth) {
    run(sell(1, "S1", 50, kTen));
    EXPECT_EQ(kinds(run(buy(1, "B1", 50, kTen))),
              "OuchAccepted OuchAiqCanceled ItchOrderDelete OuchAiqCanceled");
    EXPECT_EQ(live(1, "S1"), nullptr);
    EXPECT_EQ(live(1, "B1"), nullptr);
}

TEST_F(VenueRules, AiqAppliesAcrossAccountsOfTheSameFirm) {
    run(sell(2, "S1", 50, kTen));  // FRMB by default
    EnterOrder in = buy(1, "B1", 50, kTen);
    in.firm = Firm::from("FRMB");
    EXPECT_EQ(only<OuchAiqCanceled>(run(in)).size(), 2u);
    EXPECT_EQ(counters().executions, 0u);
}

TEST_F(VenueRules, AiqCancelNewestCancelsTheIncomingOrder) {
    config.firms.push_back({Firm::from("FRMA"), AiqMethod::kCancelNewest});
    start();
    run(sell(1, "S1", 100, kTen));
    const auto events = run(buy(1, "B1", 30, kTen));
    EXPECT_EQ(kinds(events), "OuchAccepted OuchAiqCanceled");
    const auto canceled = std::get<OuchAiqCanceled>(events[1]);
    EXPECT_EQ(canceled.token, Token::from("B1"));
    EXPECT_EQ(canceled.decrement_shares, 30u);
    EXPECT_EQ(live(1, "S1")->open, 100u);
}

TEST_F(VenueRules, AiqCancelOldestCancelsTheRestingOrderAndKeepsMatching) {
    config.firms.push_back({Firm::from("FRMA"), AiqMethod::kCancelOldest});
    start();
    run(sell(1, "S1", 100, kTen));
    run(sell(2, "S2", 100, kTen));
    const auto events = run(buy(1, "B1", 30, kTen));
    EXPECT_EQ(kinds(events),
              "OuchAccepted OuchAiqCanceled ItchOrderDelete ItchOrderExecuted OuchExecuted "
              "OuchExecuted");
    const auto canceled = std::get<OuchAiqCanceled>(events[1]);
    EXPECT_EQ(canceled.token, Token::from("S1"));
    EXPECT_EQ(canceled.decrement_shares, 100u);
    EXPECT_EQ(canceled.quantity_prevented, 30u);
    EXPECT_EQ(live(2, "S2")->open, 70u);
}

TEST_F(VenueRules, AiqCancelBothCancelsBothOrders) {
    config.firms.push_back({Firm::from("FRMA"), AiqMethod::kCancelBoth});
    start();
    run(sell(1, "S1", 100, kTen));
    const auto events = run(buy(1, "B1", 30, kTen));
    EXPECT_EQ(kinds(events), "OuchAccepted OuchAiqCanceled ItchOrderDelete OuchAiqCanceled");
    EXPECT_EQ(std::get<OuchAiqCanceled>(events[1]).decrement_shares, 100u);
    EXPECT_EQ(std::get<OuchAiqCanceled>(events[3]).decrement_shares, 30u);
    EXPECT_TRUE(acme().asks.empty());
}

TEST_F(VenueRules, FirmWithoutAiqMayTradeWithItself) {
    config.firms.push_back({Firm::from("FRMA"), AiqMethod::kNone});
    start();
    run(sell(1, "S1", 100, kTen));
    EXPECT_EQ(only<OuchExecuted>(run(buy(1, "B1", 30, kTen))).size(), 2u);
}

TEST_F(VenueRules, AiqOfAHiddenRestingOrderSendsNoFeedMessage) {
    EnterOrder hidden = sell(1, "S1", 100, kTen);
    hidden.display = ouch::Display::kNonDisplay;
    run(hidden);
    const auto events = run(buy(1, "B1", 30, kTen));
    EXPECT_EQ(kinds(events), "OuchAccepted OuchAiqCanceled OuchAiqCanceled");
    EXPECT_EQ(std::get<OuchAiqCanceled>(events[1]).liquidity_flag,
              ouch::LiquidityFlag::kNonDisplayedAdded);
}

TEST(EngineConfigTest, InvalidConfigurationsThrowConfigError) {
    RecordingSink sink(1);
    const auto make = [&sink](const EngineConfig& config) {
        Engine<RecordingSink> engine(config, sink);
    };
    EngineConfig good;
    good.symbols.push_back({Stock::from("ACME"), 0, 100, 100'000, 10'000, false});
    good.max_orders = 16;
    good.max_tokens = 16;
    EXPECT_NO_THROW(make(good));

    EngineConfig no_symbols = good;
    no_symbols.symbols.clear();
    EXPECT_THROW(make(no_symbols), core::ConfigError);
    EngineConfig zero_tick = good;
    zero_tick.symbols[0].tick = 0;
    EXPECT_THROW(make(zero_tick), core::ConfigError);
    EngineConfig off_grid = good;
    off_grid.symbols[0].reference_price = 100'050;
    EXPECT_THROW(make(off_grid), core::ConfigError);
    EngineConfig wide = good;
    wide.symbols[0].tick = 1;
    wide.symbols[0].band = 100'000;  // 200,001 levels: fine
    EXPECT_NO_THROW(make(wide));
    wide.symbols[0].reference_price = 1'000'000;
    wide.symbols[0].band = 1'000'000;  // 1,000,000 levels: too many
    EXPECT_THROW(make(wide), core::ConfigError);
    EngineConfig twice = good;
    twice.symbols.push_back(good.symbols[0]);
    EXPECT_THROW(make(twice), core::ConfigError);
    EngineConfig same_locate = good;
    same_locate.symbols.push_back({Stock::from("B"), 1, 100, 100'000, 0, false});
    EXPECT_THROW(make(same_locate), core::ConfigError);
    EngineConfig participant = good;
    participant.participants.push_back({kMaxParticipants, Firm::from("F")});
    EXPECT_THROW(make(participant), core::ConfigError);
    EngineConfig no_orders = good;
    no_orders.max_orders = 0;
    EXPECT_THROW(make(no_orders), core::ConfigError);
    EngineConfig blank_firm = good;
    blank_firm.firms.push_back({Firm{}, AiqMethod::kNone});
    EXPECT_THROW(make(blank_firm), core::ConfigError);
}

TEST(EngineCapacity, FullOrderPoolRejectsNewOrders) {
    EngineConfig config;
    config.symbols.push_back({Stock::from("ACME"), 0, 100, 100'000, 10'000, false});
    config.participants.push_back({1, Firm::from("FRMA")});
    config.max_orders = 2;
    config.max_tokens = 16;
    RecordingSink sink(64);
    Engine<RecordingSink> engine(config, sink);
    EnterOrder in;
    in.participant = 1;
    in.stock = Stock::from("ACME");
    in.shares = 10;
    in.price = 100'000;
    for (const char* token : {"A", "B", "C"}) {
        in.token = Token::from(token);
        engine.enter(in);
    }
    ASSERT_TRUE(std::holds_alternative<OuchRejected>(sink.events().back()));
    EXPECT_EQ(engine.counters().pool_exhausted, 1u);
    EXPECT_EQ(check_invariants(engine), "");
}

TEST(EngineCapacity, FullTokenTableRejectsNewOrders) {
    EngineConfig config;
    config.symbols.push_back({Stock::from("ACME"), 0, 100, 100'000, 10'000, false});
    config.participants.push_back({1, Firm::from("FRMA")});
    config.max_orders = 16;
    config.max_tokens = 2;
    RecordingSink sink(64);
    Engine<RecordingSink> engine(config, sink);
    EnterOrder in;
    in.participant = 1;
    in.stock = Stock::from("ACME");
    in.shares = 10;
    in.price = 100'000;
    for (const char* token : {"A", "B", "C"}) {
        in.token = Token::from(token);
        engine.enter(in);
    }
    ASSERT_TRUE(std::holds_alternative<OuchRejected>(sink.events().back()));
    EXPECT_EQ(engine.counters().token_table_full, 1u);
    EXPECT_EQ(engine.pool().in_use(), 2u);
}

}  // namespace
}  // namespace tb::exchange::testing
