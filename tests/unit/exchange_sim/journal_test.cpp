// Input journal and output digest: replaying a journal into a fresh engine reproduces every
// output byte; the reader checks every bound; the digest sees any change in the outputs.

#include <cstddef>
#include <vector>

#include <gtest/gtest.h>

#include "exchange_sim/engine/digest.hpp"
#include "exchange_sim/engine/engine.hpp"
#include "exchange_sim/engine/journal.hpp"
#include "exchange_sim/engine/sinks.hpp"
#include "tests/unit/exchange_sim/random_flow.hpp"

namespace tb::exchange {
namespace {

constexpr std::size_t kOps = 30'000;

struct Recording {
    std::vector<std::byte> journal;
    std::vector<std::byte> output;
    std::uint64_t digest = 0;
};

// Runs seeded random flow through an engine with a journal and a canonical-output sink.
Recording record(std::uint64_t seed) {
    const EngineConfig config = testing::random_flow_config();
    Recording run;
    run.journal.resize(kOps * 64 + kJournalHeaderSize);
    run.output.resize(kOps * 2'000);
    CanonicalSink sink(run.output);
    Engine<CanonicalSink> engine(config, sink);
    JournalWriter journal(run.journal, engine.config_fingerprint());
    engine.attach_journal(&journal);
    testing::RandomFlow flow(seed);
    for (std::size_t i = 0; i < kOps; ++i) {
        engine.process(flow.next());
    }
    EXPECT_TRUE(journal.complete());
    EXPECT_EQ(journal.records(), kOps);
    EXPECT_EQ(sink.overflow_bytes(), 0u);
    run.journal.resize(journal.bytes().size());
    run.output.resize(sink.bytes().size());
    run.digest = sink.digest().value();
    return run;
}

TEST(Journal, ReplayReproducesEveryOutputByteForByte) {
    const Recording original = record(11);
    std::vector<std::byte> output(original.output.size() + 1024);
    CanonicalSink sink(output);
    Engine<CanonicalSink> engine(testing::random_flow_config(), sink);
    ASSERT_EQ(replay(original.journal, engine), JournalStatus::kOk);
    ASSERT_EQ(sink.bytes().size(), original.output.size());
    EXPECT_TRUE(std::equal(original.output.begin(), original.output.end(), sink.bytes().begin()));
    EXPECT_EQ(sink.digest().value(), original.digest);
    EXPECT_GT(sink.digest().events(), kOps);
}

TEST(Journal, SameSeedGivesTheSameDigestAndAnotherSeedAnother) {
    EXPECT_EQ(record(5).digest, record(5).digest);
    EXPECT_NE(record(5).digest, record(6).digest);
}

TEST(Journal, RecordSizesAreAsDocumented) {
    std::vector<std::byte> buffer(1024);
    JournalWriter writer(buffer, 1);
    ASSERT_TRUE(writer.append(EnterOrder{}));
    EXPECT_EQ(writer.bytes().size(), kJournalHeaderSize + 59);
    ASSERT_TRUE(writer.append(ReplaceOrder{}));
    EXPECT_EQ(writer.bytes().size(), kJournalHeaderSize + 59 + 57);
    ASSERT_TRUE(writer.append(CancelOrder{}));
    EXPECT_EQ(writer.bytes().size(), kJournalHeaderSize + 59 + 57 + 29);
    ASSERT_TRUE(writer.append(TradingAction{}));
    EXPECT_EQ(writer.bytes().size(), kJournalHeaderSize + 59 + 57 + 29 + 22);
}

TEST(Journal, EveryInputTypeRoundTrips) {
    EnterOrder enter;
    enter.timestamp_ns = 123'456'789;
    enter.participant = 300;
    enter.token = Token::from("ABCDEFGHIJKLMN");
    enter.side = ouch::Side::kSellShortExempt;
    enter.shares = 4'000'000'000;
    enter.stock = Stock::from("ZVZZT");
    enter.price = 0x7FFF'FFFF;
    enter.time_in_force = 99'999;
    enter.firm = Firm::from("WXYZ");
    enter.display = ouch::Display::kPostOnlyAttributable;
    enter.capacity = ouch::Capacity::kRiskless;
    enter.intermarket_sweep = ouch::IntermarketSweep::kEligible;
    enter.minimum_quantity = 77;
    enter.cross_type = ouch::CrossType::kClosing;
    enter.customer_type = ouch::CustomerType::kRetailDesignated;
    ReplaceOrder replace;
    replace.timestamp_ns = -5;
    replace.existing_token = Token::from("OLD");
    replace.replacement_token = Token::from("NEW");
    replace.shares = 9;
    replace.price = 1;
    replace.display = ouch::Display::kNonDisplay;
    CancelOrder cancel;
    cancel.participant = 65'535;
    cancel.token = Token::from("C");
    cancel.shares = 3;
    TradingAction action;
    action.stock = Stock::from("ACME");
    action.halted = true;
    action.reason = ActionReason::from("LUDP");

    std::vector<std::byte> buffer(1024);
    JournalWriter writer(buffer, 99);
    ASSERT_TRUE(writer.append(enter));
    ASSERT_TRUE(writer.append(replace));
    ASSERT_TRUE(writer.append(cancel));
    ASSERT_TRUE(writer.append(action));
    JournalReader reader(writer.bytes());
    ASSERT_EQ(reader.open(99), JournalStatus::kOk);
    Input input;
    ASSERT_EQ(reader.next(input), JournalStatus::kOk);
    EXPECT_EQ(std::get<EnterOrder>(input), enter);
    ASSERT_EQ(reader.next(input), JournalStatus::kOk);
    EXPECT_EQ(std::get<ReplaceOrder>(input), replace);
    ASSERT_EQ(reader.next(input), JournalStatus::kOk);
    EXPECT_EQ(std::get<CancelOrder>(input), cancel);
    ASSERT_EQ(reader.next(input), JournalStatus::kOk);
    EXPECT_EQ(std::get<TradingAction>(input), action);
    EXPECT_EQ(reader.next(input), JournalStatus::kEnd);
}

TEST(Journal, ReplayRefusesAJournalOfAnotherConfiguration) {
    const Recording original = record(3);
    EngineConfig other = testing::random_flow_config();
    other.symbols[0].band += other.symbols[0].tick;
    DigestSink sink;
    Engine<DigestSink> engine(other, sink);
    EXPECT_EQ(replay(original.journal, engine), JournalStatus::kConfigMismatch);
    EXPECT_EQ(sink.digest().events(), 0u);
}

TEST(Journal, ReaderRejectsABadHeader) {
    std::vector<std::byte> bytes(kJournalHeaderSize);
    JournalReader empty(std::span<const std::byte>(bytes.data(), 3));
    EXPECT_EQ(empty.open(0), JournalStatus::kBadHeader);
    JournalReader zeros(bytes);
    EXPECT_EQ(zeros.open(0), JournalStatus::kBadHeader);
    Input input;
    EXPECT_EQ(zeros.next(input), JournalStatus::kBadHeader);
}

TEST(Journal, ReaderReportsEveryTruncation) {
    std::vector<std::byte> buffer(256);
    JournalWriter writer(buffer, 7);
    ASSERT_TRUE(writer.append(EnterOrder{}));
    const auto whole = writer.bytes();
    for (std::size_t size = kJournalHeaderSize + 1; size < whole.size(); ++size) {
        JournalReader reader(whole.first(size));
        ASSERT_EQ(reader.open(7), JournalStatus::kOk);
        Input input;
        EXPECT_EQ(reader.next(input), JournalStatus::kTruncated) << size;
    }
}

TEST(Journal, ReaderRejectsUnknownRecordTypesAndBadFlags) {
    std::vector<std::byte> buffer(256);
    JournalWriter writer(buffer, 7);
    ASSERT_TRUE(writer.append(TradingAction{}));
    std::vector<std::byte> bytes(writer.bytes().begin(), writer.bytes().end());
    bytes[kJournalHeaderSize + 1 + 8 + 8] = std::byte{2};  // the halted flag: neither 0 nor 1
    JournalReader bad_flag(bytes);
    ASSERT_EQ(bad_flag.open(7), JournalStatus::kOk);
    Input input;
    EXPECT_EQ(bad_flag.next(input), JournalStatus::kBadRecord);
    bytes[kJournalHeaderSize] = std::byte{'?'};
    JournalReader bad_type(bytes);
    ASSERT_EQ(bad_type.open(7), JournalStatus::kOk);
    EXPECT_EQ(bad_type.next(input), JournalStatus::kBadRecord);
}

TEST(Journal, WriterCountsRecordsThatDoNotFit) {
    std::vector<std::byte> buffer(kJournalHeaderSize + 40);
    JournalWriter writer(buffer, 7);
    EXPECT_TRUE(writer.append(CancelOrder{}));
    EXPECT_FALSE(writer.append(CancelOrder{}));
    EXPECT_EQ(writer.records(), 1u);
    EXPECT_EQ(writer.dropped(), 1u);
    EXPECT_FALSE(writer.complete());
}

TEST(Digest, AnyChangedFieldChangesTheDigest) {
    const ItchOrderExecuted base{1, 2, 3, 4, 5};
    Digest reference;
    reference.add(base);
    for (int field = 0; field < 5; ++field) {
        ItchOrderExecuted changed = base;
        switch (field) {
            case 0:
                changed.timestamp_ns += 1;
                break;
            case 1:
                changed.locate += 1;
                break;
            case 2:
                changed.order_ref += 1;
                break;
            case 3:
                changed.executed_shares += 1;
                break;
            default:
                changed.match_number += 1;
                break;
        }
        Digest digest;
        digest.add(changed);
        EXPECT_NE(digest.value(), reference.value()) << field;
    }
}

TEST(Digest, OrderOfEventsMattersAndReadingDoesNotChangeIt) {
    const ItchOrderDelete a{1, 1, 1};
    const ItchOrderDelete b{1, 1, 2};
    Digest ab;
    ab.add(a);
    ab.add(b);
    Digest ba;
    ba.add(b);
    ba.add(a);
    EXPECT_NE(ab.value(), ba.value());
    EXPECT_EQ(ab.value(), ab.value());
    Digest one;
    one.add(a);
    EXPECT_NE(one.value(), ab.value());
}

TEST(Digest, EventTypesWithTheSameFieldsDigestDifferently) {
    // ITCH Order Delete and the three leading fields of other types share values; the source and
    // type bytes keep them apart.
    Digest itch;
    itch.add(ItchOrderDelete{1, 2, 3});
    Digest cancel;
    cancel.add(ItchOrderCancel{1, 2, 3, 0});
    EXPECT_NE(itch.value(), cancel.value());
}

TEST(Digest, CanonicalBytesAreBigEndianAndTagged) {
    std::byte bytes[kMaxCanonicalSize];
    const std::size_t size = serialize_event(ItchOrderDelete{0x0102, 0x0304, 0x0506}, bytes);
    ASSERT_EQ(size, 2u + 8 + 2 + 8);
    EXPECT_EQ(bytes[0], std::byte{'I'});
    EXPECT_EQ(bytes[1], std::byte{'D'});
    EXPECT_EQ(bytes[8], std::byte{0x01});
    EXPECT_EQ(bytes[9], std::byte{0x02});
    EXPECT_EQ(bytes[10], std::byte{0x03});
    EXPECT_EQ(bytes[11], std::byte{0x04});
    EXPECT_EQ(bytes[19], std::byte{0x06});
}

}  // namespace
}  // namespace tb::exchange
