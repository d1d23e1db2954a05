// The feed handler (client/feed.hpp) with crafted MoldUDP64 packets on an injected clock:
// A/B arbitration, gaps filled by the other line, retransmission requests (wait, bound on
// outstanding requests, retries, timeouts, give-up and stale reporting), heartbeats and end of
// session, session changes, late join, the reorder window, and bad packets.

#include <gtest/gtest.h>

#include "client/feed.hpp"
#include "client_test_support.hpp"

namespace tb::client {
namespace {

using namespace testing;

constexpr std::int64_t kMs = 1'000'000;

FeedConfig config() {
    FeedConfig c;
    c.reorder_window = 1024;
    c.gap_wait_ns = 1 * kMs;
    c.max_request_messages = 100;
    c.max_outstanding_requests = 2;
    c.request_timeout_ns = 10 * kMs;
    c.max_request_retries = 2;
    c.line_timeout_ns = 1000 * kMs;
    return c;
}

struct Fixture : ::testing::Test {
    RecordingSink sink;
    FeedHandler<RecordingSink> feed{config(), sink};
    std::int64_t now = 0;

    std::size_t a(const Bytes& p) { return feed.on_packet(FeedLine::kA, p, now); }
    std::size_t b(const Bytes& p) { return feed.on_packet(FeedLine::kB, p, now); }
    std::size_t r(const Bytes& p) { return feed.on_packet(FeedLine::kRetransmission, p, now); }
    void advance(std::int64_t ns) {
        now += ns;
        (void)feed.poll(now);
    }
};

using FeedArbitration = Fixture;
using FeedGaps = Fixture;
using FeedSession = Fixture;

TEST_F(FeedArbitration, TheFirstCopyOfEachSequenceNumberWins) {
    EXPECT_EQ(a(filler(1, 3)), 3U);
    EXPECT_EQ(b(filler(1, 3)), 0U);
    EXPECT_EQ(b(filler(4, 2)), 2U);
    EXPECT_EQ(a(filler(4, 2)), 0U);
    // Overlapping packets: only the new part is delivered.
    EXPECT_EQ(a(filler(5, 3)), 2U);
    EXPECT_EQ(sink.sequences, iota(1, 7));
    EXPECT_EQ(feed.line(FeedLine::kA).first, 5U);
    EXPECT_EQ(feed.line(FeedLine::kB).first, 2U);
    EXPECT_EQ(feed.line(FeedLine::kA).duplicates, 3U);
    EXPECT_EQ(feed.line(FeedLine::kB).duplicates, 3U);
    EXPECT_EQ(feed.counters().delivered, 7U);
    EXPECT_TRUE(sink.requests.empty());
}

TEST_F(FeedArbitration, MessagesAreDeliveredWithTheirBytes) {
    const Bytes m1 = add_order(1, 10, 'B', 100, "ACME", 1000);
    const Bytes m2 = delete_order(1, 10);
    (void)a(packet(1, {m1, m2}));
    ASSERT_EQ(sink.messages.size(), 2U);
    EXPECT_EQ(sink.messages[0], m1);
    EXPECT_EQ(sink.messages[1], m2);
}

TEST_F(FeedGaps, AGapOnOneLineIsFilledByTheOtherWithoutARequest) {
    (void)a(filler(1, 2));
    EXPECT_EQ(a(filler(5, 2)), 0U);  // 3 and 4 lost on A: held
    EXPECT_TRUE(feed.in_gap());
    (void)b(filler(1, 2));
    EXPECT_EQ(b(filler(3, 2)), 4U);  // B fills the gap; 5 and 6 come out of the window
    EXPECT_FALSE(feed.in_gap());
    advance(100 * kMs);
    EXPECT_EQ(sink.sequences, iota(1, 6));
    EXPECT_TRUE(sink.requests.empty());
    EXPECT_EQ(feed.counters().gaps, 1U);
    EXPECT_EQ(feed.counters().gaps_filled_by_line, 1U);
    EXPECT_EQ(feed.counters().from_window, 2U);
    EXPECT_EQ(feed.line(FeedLine::kA).first, 4U);
}

TEST_F(FeedGaps, AGapBothLinesMissIsRequestedAfterTheWaitAndFilled) {
    (void)a(filler(1, 2));
    (void)a(filler(6, 2));
    (void)b(filler(6, 2));
    advance(kMs / 2);
    EXPECT_TRUE(sink.requests.empty());  // still waiting for the other line
    advance(kMs);
    ASSERT_EQ(sink.requests.size(), 1U);
    EXPECT_EQ(sink.requests[0].session, kSession);
    EXPECT_EQ(sink.requests[0].sequence_number, 3U);
    EXPECT_EQ(sink.requests[0].requested_count, 3U);
    EXPECT_EQ(feed.outstanding_requests(), 1U);
    EXPECT_EQ(r(filler(3, 3)), 5U);
    EXPECT_EQ(sink.sequences, iota(1, 7));
    advance(kMs);
    EXPECT_EQ(feed.outstanding_requests(), 0U);
    EXPECT_EQ(feed.counters().requests_completed, 1U);
    EXPECT_EQ(feed.line(FeedLine::kRetransmission).first, 3U);
    EXPECT_TRUE(sink.lost.empty());
}

TEST_F(FeedGaps, RequestsAreSplitAndBoundedInNumber) {
    (void)a(filler(1, 1));
    (void)a(filler(400, 1));  // 2..399 missing: four holes of at most 100, two at a time
    advance(2 * kMs);
    ASSERT_EQ(sink.requests.size(), 2U);
    EXPECT_EQ(sink.requests[0].sequence_number, 2U);
    EXPECT_EQ(sink.requests[0].requested_count, 100U);
    EXPECT_EQ(sink.requests[1].sequence_number, 102U);
    EXPECT_EQ(sink.requests[1].requested_count, 100U);
    advance(kMs);
    EXPECT_EQ(sink.requests.size(), 2U);  // no third while two are out
    (void)r(filler(2, 100));
    advance(kMs);
    ASSERT_EQ(sink.requests.size(), 3U);
    EXPECT_EQ(sink.requests[2].sequence_number, 202U);
    EXPECT_EQ(sink.requests[2].requested_count, 100U);
    (void)r(filler(102, 100));
    (void)r(filler(202, 100));
    advance(kMs);
    ASSERT_EQ(sink.requests.size(), 4U);
    EXPECT_EQ(sink.requests[3].sequence_number, 302U);
    EXPECT_EQ(sink.requests[3].requested_count, 98U);
    (void)r(filler(302, 98));
    EXPECT_EQ(sink.sequences, iota(1, 400));
}

TEST_F(FeedGaps, AnUnansweredRequestIsRetriedThenGivenUpAndTheBooksReportedStale) {
    (void)a(filler(1, 1));
    (void)a(filler(5, 1));
    advance(2 * kMs);
    ASSERT_EQ(sink.requests.size(), 1U);
    advance(5 * kMs);
    EXPECT_EQ(sink.requests.size(), 1U);  // not yet timed out
    advance(6 * kMs);
    ASSERT_EQ(sink.requests.size(), 2U);  // retry 1
    EXPECT_EQ(sink.requests[1].sequence_number, 2U);
    advance(11 * kMs);
    ASSERT_EQ(sink.requests.size(), 3U);  // retry 2
    EXPECT_EQ(feed.counters().request_retries, 2U);
    EXPECT_TRUE(sink.lost.empty());
    advance(11 * kMs);  // retries used up: 2..4 are lost, 5 comes out of the window
    ASSERT_EQ(sink.lost.size(), 1U);
    EXPECT_EQ(sink.lost[0], (std::pair<std::uint64_t, std::uint64_t>{2, 3}));
    EXPECT_EQ(sink.sequences, (std::vector<std::uint64_t>{1, 5}));
    EXPECT_EQ(feed.counters().lost, 3U);
    EXPECT_EQ(feed.counters().requests_abandoned, 1U);
    EXPECT_FALSE(feed.in_gap());
    // The stream goes on.
    EXPECT_EQ(a(filler(6, 1)), 1U);
}

TEST_F(FeedGaps, PartialAnswersMakeProgressWithoutUsingRetries) {
    (void)a(filler(1, 1));
    (void)a(filler(50, 1));
    advance(2 * kMs);
    ASSERT_EQ(sink.requests.size(), 1U);
    EXPECT_EQ(sink.requests[0].requested_count, 48U);
    (void)r(filler(2, 10));  // the server cut the answer short
    advance(11 * kMs);
    ASSERT_EQ(sink.requests.size(), 2U);
    EXPECT_EQ(sink.requests[1].sequence_number, 12U);
    EXPECT_EQ(sink.requests[1].requested_count, 38U);
    EXPECT_EQ(feed.counters().request_retries, 0U);
    (void)r(filler(12, 38));
    EXPECT_EQ(sink.sequences, iota(1, 50));
}

TEST_F(FeedGaps, HeartbeatsAndEndOfSessionRevealMessagesLostAtTheTail) {
    (void)a(filler(1, 3));
    (void)a(heartbeat(6));  // 4 and 5 were sent, and lost on A
    EXPECT_TRUE(feed.in_gap());
    (void)a(end_of_session(6));
    EXPECT_EQ(sink.end_of_session, 0U);  // not before 4 and 5 are delivered
    advance(2 * kMs);
    ASSERT_EQ(sink.requests.size(), 1U);
    EXPECT_EQ(sink.requests[0].sequence_number, 4U);
    EXPECT_EQ(sink.requests[0].requested_count, 2U);
    (void)r(filler(4, 2));
    EXPECT_EQ(sink.end_of_session, 1U);
    EXPECT_TRUE(feed.complete());
    EXPECT_EQ(feed.line(FeedLine::kA).heartbeats, 1U);
    (void)b(end_of_session(6));
    EXPECT_EQ(sink.end_of_session, 1U);
}

TEST_F(FeedGaps, WithoutARetransmissionServerAGapIsGivenUpAfterTheWait) {
    FeedConfig c = config();
    c.max_outstanding_requests = 0;
    RecordingSink s;
    FeedHandler<RecordingSink> f(c, s);
    (void)f.on_packet(FeedLine::kA, filler(1, 1), 0);
    (void)f.on_packet(FeedLine::kA, filler(3, 1), 0);
    (void)f.poll(kMs / 2);
    EXPECT_TRUE(s.lost.empty());
    (void)f.poll(2 * kMs);
    ASSERT_EQ(s.lost.size(), 1U);
    EXPECT_EQ(s.lost[0], (std::pair<std::uint64_t, std::uint64_t>{2, 1}));
    EXPECT_EQ(s.sequences, (std::vector<std::uint64_t>{1, 3}));
    EXPECT_TRUE(s.requests.empty());
}

TEST_F(FeedGaps, ARefusedRequestIsTriedAgainLikeALostOne) {
    sink.refuse_requests = true;
    (void)a(filler(1, 1));
    (void)a(filler(3, 1));
    advance(2 * kMs);
    EXPECT_EQ(feed.counters().request_send_failures, 1U);
    sink.refuse_requests = false;
    advance(11 * kMs);
    ASSERT_EQ(sink.requests.size(), 2U);
    (void)r(filler(2, 1));
    EXPECT_EQ(sink.sequences, iota(1, 3));
}

TEST_F(FeedGaps, MessagesBeyondTheWindowAreAskedForAgain) {
    (void)a(filler(1, 1));
    // 2 is lost; 3..1100 arrive, more than the 1024-message window holds.
    for (std::uint64_t s = 3; s <= 1100; s += 100) {
        (void)a(filler(s, s + 100 > 1101 ? 1101 - s : 100));
    }
    EXPECT_GT(feed.counters().window_overflow, 0U);
    advance(2 * kMs);
    ASSERT_FALSE(sink.requests.empty());
    EXPECT_EQ(sink.requests[0].sequence_number, 2U);
    EXPECT_EQ(sink.requests[0].requested_count, 1U);
    (void)r(filler(2, 1));
    const std::uint64_t delivered = sink.sequences.size();
    EXPECT_EQ(sink.sequences.back(), delivered);  // in order, no holes
    EXPECT_LT(delivered, 1100U);
    // The overflowed tail is requested and recovered.
    for (int round = 0; round < 10 && sink.sequences.size() < 1100; ++round) {
        advance(2 * kMs);
        for (std::size_t i = 0; i < sink.requests.size(); ++i) {
            const auto& q = sink.requests[i];
            (void)r(filler(q.sequence_number, q.requested_count));
        }
    }
    EXPECT_EQ(sink.sequences, iota(1, 1100));
}

TEST_F(FeedSession, ALateJoinerRecoversFromTheStart) {
    (void)a(filler(500, 2));
    EXPECT_TRUE(feed.in_gap());
    advance(2 * kMs);
    ASSERT_FALSE(sink.requests.empty());
    EXPECT_EQ(sink.requests[0].sequence_number, 1U);
}

TEST_F(FeedSession, WithoutRecoveryALateJoinerStartsWhereItJoined) {
    FeedConfig c = config();
    c.recover_from_start = false;
    RecordingSink s;
    FeedHandler<RecordingSink> f(c, s);
    EXPECT_EQ(f.on_packet(FeedLine::kA, filler(500, 2), 0), 2U);
    EXPECT_EQ(s.sequences, (std::vector<std::uint64_t>{500, 501}));
    EXPECT_FALSE(f.in_gap());
}

TEST_F(FeedSession, ANewSessionRestartsSequencingAndTheOldOneIsIgnored) {
    const mold::Session next = mold::Session::left("SESSION002");
    (void)a(filler(1, 3));
    (void)a(filler(1, 2, next));
    EXPECT_EQ(sink.session_changes, 1U);
    EXPECT_EQ(feed.session(), next);
    EXPECT_EQ(sink.sequences, (std::vector<std::uint64_t>{1, 2, 3, 1, 2}));
    // A late packet of the old session on B is dropped, not taken as another change.
    EXPECT_EQ(b(filler(4, 1)), 0U);
    EXPECT_EQ(feed.line(FeedLine::kB).wrong_session, 1U);
    EXPECT_EQ(sink.session_changes, 1U);
}

TEST_F(FeedSession, AConfiguredSessionAcceptsOnlyItself) {
    FeedConfig c = config();
    c.session = "SESSION001";
    RecordingSink s;
    FeedHandler<RecordingSink> f(c, s);
    EXPECT_EQ(f.on_packet(FeedLine::kA, filler(1, 1, mold::Session::left("OTHER")), 0), 0U);
    EXPECT_EQ(f.on_packet(FeedLine::kA, filler(1, 1), 0), 1U);
    EXPECT_EQ(f.line(FeedLine::kA).wrong_session, 1U);
    EXPECT_EQ(s.session_changes, 0U);
}

TEST_F(FeedSession, BadPacketsAreCountedAndChangeNothing) {
    Bytes p = filler(1, 2);
    Bytes truncated(p.begin(), p.end() - 1);
    EXPECT_EQ(a(truncated), 0U);
    Bytes extra = p;
    extra.push_back(0);
    EXPECT_EQ(a(extra), 0U);
    EXPECT_EQ(a(Bytes(5, 0)), 0U);
    EXPECT_EQ(feed.line(FeedLine::kA).malformed, 3U);
    EXPECT_FALSE(feed.session_known());
    EXPECT_EQ(a(p), 2U);
}

TEST_F(FeedSession, ASilentLineIsReportedDown) {
    (void)a(filler(1, 1));
    (void)b(filler(1, 1));
    now = 900 * kMs;
    (void)b(heartbeat(2));
    advance(200 * kMs);
    EXPECT_FALSE(feed.line_up(FeedLine::kA));
    EXPECT_TRUE(feed.line_up(FeedLine::kB));
    EXPECT_EQ(feed.line(FeedLine::kA).down, 1U);
    (void)a(heartbeat(2));
    EXPECT_TRUE(feed.line_up(FeedLine::kA));
}

TEST_F(FeedSession, TheNextTimerCoversGapWaitsAndRequestTimeouts) {
    (void)a(filler(1, 1));
    (void)a(filler(3, 1));
    EXPECT_EQ(feed.next_timer_ns(), 1 * kMs);
    advance(kMs);
    ASSERT_EQ(sink.requests.size(), 1U);
    EXPECT_EQ(feed.next_timer_ns(), 11 * kMs);
}

}  // namespace
}  // namespace tb::client
