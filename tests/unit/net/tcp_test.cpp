// TCP (net/tcp.hpp) against a peer played by the test with segments built by proto/: every state
// transition of RFC 9293 figure 5, options, windows, retransmission, and invalid segments.

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "net/seq.hpp"
#include "proto/checksum.hpp"
#include "tests/unit/net/net_test_support.hpp"

namespace tb::net::test {
namespace {

using proto::kTcpAck;
using proto::kTcpFin;
using proto::kTcpPsh;
using proto::kTcpRst;
using proto::kTcpSyn;

class TcpTest : public ::testing::Test {
protected:
    explicit TcpTest(const StackConfig& config = default_config()) : h(config) {}

    StreamEvents events() { return StreamEvents::bind(rec); }

    // Listen on peer.stack_port and complete a handshake from the peer; returns the stream.
    StreamId establish_passive(const proto::TcpOptions& options = TcpPeer::syn_options()) {
        EXPECT_TRUE(h.stack().listen(peer.stack_port, events()));
        h.inject(peer.segment(kTcpSyn, {}, options));
        h.poll();
        const auto sent = h.take();
        const proto::TcpParse& synack = only_tcp(sent);
        EXPECT_EQ(synack.header.flags, kTcpSyn | kTcpAck);
        peer.seq += 1;
        peer.ack = synack.header.sequence_number + 1;
        h.inject(peer.segment(kTcpAck));
        h.poll();
        EXPECT_TRUE(h.take().empty());
        EXPECT_EQ(rec.connected.size(), 1U);
        return rec.connected.empty() ? StreamId{} : rec.connected.back();
    }

    // connect() to the peer and answer with SYN-ACK; returns the stream.
    StreamId establish_active(const proto::TcpOptions& options = TcpPeer::syn_options()) {
        const StreamId id = h.stack().connect(Endpoint{kPeerIp, peer.port}, events());
        EXPECT_TRUE(id.valid());
        const auto sent = h.take();
        const proto::TcpParse& syn = only_tcp(sent);
        EXPECT_EQ(syn.header.flags, kTcpSyn);
        peer.stack_port = syn.header.source_port;
        peer.ack = syn.header.sequence_number + 1;
        h.inject(peer.segment(kTcpSyn | kTcpAck, {}, options));
        peer.seq += 1;
        h.poll();
        const auto ack = h.take();
        const proto::TcpParse& a = only_tcp(ack);
        EXPECT_EQ(a.header.flags, kTcpAck);
        EXPECT_EQ(a.header.acknowledgment_number, peer.seq);
        return id;
    }

    TcpState state() {
        return h.stack().tcp_state_of(Endpoint{kPeerIp, peer.port}, peer.stack_port);
    }

    Harness h;
    TcpPeer peer;
    Recorder rec;
};

// Sequence arithmetic (RFC 9293 section 3.4).
TEST(TcpSequence, ComparisonsWrapAroundTwoToThe32) {
    EXPECT_TRUE(seq_lt(0xFFFFFF00U, 0x100U));
    EXPECT_TRUE(seq_gt(0x100U, 0xFFFFFF00U));
    EXPECT_TRUE(seq_in(0x5U, 0xFFFFFFF0U, 0x10U));
    EXPECT_FALSE(seq_in(0x10U, 0xFFFFFFF0U, 0x10U));
    EXPECT_EQ(seq_max(0xFFFFFFF0U, 0x10U), 0x10U);
}

// ---- Passive open ----------------------------------------------------------------------------

TEST_F(TcpTest, ListenAnswersSynWithSynAckCarryingMssAndWindowScale) {
    ASSERT_TRUE(h.stack().listen(15000, events()));
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options(1400, 7)));
    h.poll();
    const auto sent = h.take();
    const proto::TcpParse& s = only_tcp(sent);
    EXPECT_EQ(s.header.flags, kTcpSyn | kTcpAck);
    EXPECT_EQ(s.header.acknowledgment_number, peer.seq + 1);
    EXPECT_EQ(s.header.source_port, 15000);
    EXPECT_EQ(s.header.destination_port, peer.port);
    EXPECT_TRUE(s.options.has_mss);
    EXPECT_EQ(s.options.mss, 1460);
    EXPECT_TRUE(s.options.has_window_scale);
    EXPECT_EQ(state(), TcpState::kSynReceived);
    EXPECT_TRUE(rec.connected.empty());  // not before the handshake completes
}

TEST_F(TcpTest, SynWithoutWindowScaleGetsSynAckWithoutIt) {
    ASSERT_TRUE(h.stack().listen(15000, events()));
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options(1460)));
    h.poll();
    const auto sent = h.take();
    EXPECT_FALSE(only_tcp(sent).options.has_window_scale);
}

TEST_F(TcpTest, HandshakeAckEstablishesAndReportsTheStream) {
    const StreamId id = establish_passive(TcpPeer::syn_options(536, 2));
    EXPECT_EQ(state(), TcpState::kEstablished);
    EXPECT_EQ(h.stack().state(id), StreamState::kEstablished);
    EXPECT_EQ(h.stack().remote(id), (Endpoint{kPeerIp, peer.port}));
    TcpInfo info;
    ASSERT_TRUE(h.stack().tcp_info(id, info));
    EXPECT_EQ(info.mss, 536);
    EXPECT_EQ(info.snd_wscale, 2);
    EXPECT_EQ(info.snd_wnd, 65535U << 2);  // window of the ACK, scaled (RFC 7323 section 2.3)
    EXPECT_EQ(h.stack().counters().tcp_connections_opened, 1U);
}

TEST_F(TcpTest, ResetInSynReceivedReturnsToListen) {
    ASSERT_TRUE(h.stack().listen(15000, events()));
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    (void)h.take();
    h.inject(peer.segment_at(peer.seq + 1, kTcpRst));
    h.poll();
    EXPECT_EQ(state(), TcpState::kClosed);
    EXPECT_TRUE(rec.connected.empty());
    EXPECT_TRUE(rec.closed.empty());
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 0U);
    // The listener still takes new connections.
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    EXPECT_EQ(only_tcp(h.take()).header.flags, kTcpSyn | kTcpAck);
}

TEST_F(TcpTest, UnacceptableAckInSynReceivedIsAnsweredWithReset) {
    ASSERT_TRUE(h.stack().listen(15000, events()));
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    const std::uint32_t iss = only_tcp(h.take()).header.sequence_number;
    peer.seq += 1;
    peer.ack = iss + 1000;  // acknowledges nothing we sent
    h.inject(peer.segment(kTcpAck));
    h.poll();
    const auto sent = h.take();
    const proto::TcpParse& rst = only_tcp(sent);
    EXPECT_EQ(rst.header.flags, kTcpRst);
    EXPECT_EQ(rst.header.sequence_number, iss + 1000);
    EXPECT_EQ(state(), TcpState::kSynReceived);
}

TEST_F(TcpTest, LostSynAckIsSentAgainOnTimeoutAndOnARepeatedSyn) {
    ASSERT_TRUE(h.stack().listen(15000, events()));
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    const std::uint32_t iss = only_tcp(h.take()).header.sequence_number;
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));  // the peer's SYN again
    h.poll();
    EXPECT_EQ(only_tcp(h.take()).header.sequence_number, iss);
    const std::int64_t before = h.now();
    ASSERT_TRUE(h.run_next_timer());
    EXPECT_EQ(h.now() - before, default_config().tcp.rto_initial_ns);
    const auto sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.flags, kTcpSyn | kTcpAck);
    EXPECT_EQ(only_tcp(sent).header.sequence_number, iss);
}

TEST_F(TcpTest, SynReceivedGivesUpAfterTheLastRetransmission) {
    ASSERT_TRUE(h.stack().listen(15000, events()));
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    (void)h.take();
    int retransmissions = 0;
    while (state() == TcpState::kSynReceived) {
        ASSERT_TRUE(h.run_next_timer());
        retransmissions += static_cast<int>(h.take().size());
    }
    EXPECT_EQ(retransmissions, static_cast<int>(default_config().tcp.max_syn_retransmissions));
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 0U);
    EXPECT_TRUE(rec.closed.empty());  // the application never saw it
}

TEST_F(TcpTest, ListenerTakesManyConnectionsAndCountsSynsBeyondTheTable) {
    ASSERT_TRUE(h.stack().listen(15000, events()));
    const std::uint32_t slots = default_config().tcp.max_connections;
    for (std::uint32_t i = 0; i <= slots; ++i) {
        TcpPeer p;
        p.port = static_cast<std::uint16_t>(41000 + i);
        h.inject(p.segment(kTcpSyn, {}, TcpPeer::syn_options()));
        h.poll();
        const auto sent = h.take();
        if (i < slots) {
            ASSERT_EQ(sent.size(), 1U);
            p.ack = sent[0].parsed.tcp.header.sequence_number + 1;
            p.seq += 1;
            h.inject(p.segment(kTcpAck));
            h.poll();
        } else {
            EXPECT_TRUE(sent.empty());
        }
    }
    EXPECT_EQ(rec.connected.size(), slots);
    EXPECT_EQ(h.stack().counters().tcp_syn_dropped, 1U);
    // Every stream is distinct and established.
    for (std::size_t i = 0; i < rec.connected.size(); ++i) {
        EXPECT_EQ(h.stack().state(rec.connected[i]), StreamState::kEstablished);
        EXPECT_EQ(h.stack().remote(rec.connected[i]).port, 41000 + i);
    }
}

TEST_F(TcpTest, UnlistenClosesThePortToNewSynsButKeepsItsStreams) {
    const StreamId id = establish_passive();
    ASSERT_TRUE(h.stack().unlisten(peer.stack_port));
    EXPECT_FALSE(h.stack().unlisten(peer.stack_port));  // LISTEN -> CLOSED once
    // The stream accepted before goes on.
    h.inject(peer.segment(kTcpAck | kTcpPsh, bytes_of("still here")));
    peer.seq += 10;
    h.poll();
    EXPECT_EQ(rec.data, bytes_of("still here"));
    EXPECT_EQ(only_tcp(h.take()).header.acknowledgment_number, peer.seq);
    EXPECT_EQ(h.stack().state(id), StreamState::kEstablished);
    // A new SYN finds a closed port (RFC 9293 section 3.10.7.1).
    TcpPeer other;
    other.port = 40001;
    h.inject(other.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    const auto sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.flags, kTcpRst | kTcpAck);
    EXPECT_EQ(only_tcp(sent).header.acknowledgment_number, other.seq + 1);
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 1U);
    // And the port can be listened on again.
    EXPECT_TRUE(h.stack().listen(peer.stack_port, events()));
}

TEST_F(TcpTest, HandshakeAckCarryingDataAndFinGoesOnToCloseWait) {
    ASSERT_TRUE(h.stack().listen(15000, events()));
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    peer.ack = only_tcp(h.take()).header.sequence_number + 1;
    peer.seq += 1;
    // SYN-RECEIVED -> ESTABLISHED on the ACK, then the text, then CLOSE-WAIT on the FIN.
    h.inject(peer.segment(kTcpAck | kTcpPsh | kTcpFin, bytes_of("bye")));
    peer.seq += 4;
    h.poll();
    ASSERT_EQ(rec.connected.size(), 1U);
    EXPECT_EQ(rec.data, bytes_of("bye"));
    EXPECT_EQ(rec.peer_closed, 1);
    EXPECT_EQ(state(), TcpState::kCloseWait);
    EXPECT_EQ(h.stack().state(rec.connected[0]), StreamState::kPeerClosed);
    EXPECT_EQ(only_tcp(h.take()).header.acknowledgment_number, peer.seq);
}

TEST(TcpWindowScale, LargeReceiveBufferIsAnnouncedScaledOnlyWhenThePeerOffersScaling) {
    // RFC 7323: 256 KiB needs shift 3 to fit the 16-bit field; the SYN-ACK's own window is never
    // scaled; without the peer's option neither side scales and the window stops at 65535.
    StackConfig config = default_config();
    config.tcp.receive_buffer_bytes = 256 * 1024;
    for (const bool offered : {true, false}) {
        SCOPED_TRACE(offered ? "peer offers scaling" : "peer does not");
        Harness h(config);
        TcpPeer p;
        Recorder r;
        ASSERT_TRUE(h.stack().listen(15000, StreamEvents::bind(r)));
        h.inject(p.segment(kTcpSyn, {},
                           offered ? TcpPeer::syn_options(1460, 7) : TcpPeer::syn_options(1460)));
        h.poll();
        const auto synack = h.take();
        const proto::TcpParse& s = only_tcp(synack);
        EXPECT_EQ(s.options.has_window_scale, offered);
        if (offered) {
            EXPECT_EQ(s.options.window_scale, 3);
        }
        EXPECT_EQ(s.header.window, 65535);
        p.ack = s.header.sequence_number + 1;
        p.seq += 1;
        h.inject(p.segment(kTcpAck | kTcpPsh, bytes_of("x")));
        p.seq += 1;
        h.poll();
        ASSERT_EQ(r.connected.size(), 1U);
        const auto ack = h.take();
        EXPECT_EQ(only_tcp(ack).header.acknowledgment_number, p.seq);
        EXPECT_EQ(only_tcp(ack).header.window, offered ? (256 * 1024) >> 3 : 65535);
        TcpInfo info;
        ASSERT_TRUE(h.stack().tcp_info(r.connected[0], info));
        EXPECT_EQ(info.rcv_wscale, offered ? 3 : 0);
        EXPECT_EQ(info.snd_wscale, offered ? 7 : 0);
        EXPECT_EQ(info.snd_wnd, offered ? 65535U << 7 : 65535U);
    }
}

// ---- Active open -----------------------------------------------------------------------------

TEST_F(TcpTest, ConnectSendsSynAndSynAckEstablishes) {
    const StreamId id = establish_active(TcpPeer::syn_options(1200, 3));
    EXPECT_EQ(h.stack().state(id), StreamState::kEstablished);
    EXPECT_EQ(rec.connected.size(), 1U);
    TcpInfo info;
    ASSERT_TRUE(h.stack().tcp_info(id, info));
    EXPECT_EQ(info.mss, 1200);
    EXPECT_EQ(info.snd_wscale, 3);
    EXPECT_EQ(info.snd_wnd, 65535U);  // a SYN's window is never scaled
    EXPECT_GE(peer.stack_port, 49152);
}

TEST_F(TcpTest, ResetAnsweringSynEndsConnectRefused) {
    const StreamId id = h.stack().connect(Endpoint{kPeerIp, peer.port}, events());
    const auto sent = h.take();
    const proto::TcpParse& syn = only_tcp(sent);
    peer.stack_port = syn.header.source_port;
    peer.ack = syn.header.sequence_number + 1;
    h.inject(peer.segment_at(0, kTcpRst | kTcpAck));
    h.poll();
    ASSERT_EQ(rec.closed.size(), 1U);
    EXPECT_EQ(rec.closed[0], CloseReason::kRefused);
    EXPECT_EQ(h.stack().state(id), StreamState::kClosed);
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 0U);
}

TEST_F(TcpTest, SynSentIgnoresResetWithoutAcceptableAckAndResetsBadAck) {
    const StreamId id = h.stack().connect(Endpoint{kPeerIp, peer.port}, events());
    const proto::TcpParse syn = only_tcp(h.take());
    peer.stack_port = syn.header.source_port;
    peer.ack = syn.header.sequence_number + 7;  // not our SYN
    h.inject(peer.segment_at(0, kTcpRst | kTcpAck));
    h.poll();
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack().state(id), StreamState::kConnecting);
    h.inject(peer.segment(kTcpSyn | kTcpAck, {}, TcpPeer::syn_options()));
    h.poll();
    const auto sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.flags, kTcpRst);
    EXPECT_EQ(only_tcp(sent).header.sequence_number, peer.ack);
    EXPECT_EQ(h.stack().state(id), StreamState::kConnecting);
}

TEST_F(TcpTest, SimultaneousOpenPassesThroughSynReceived) {
    peer.stack_port = 15001;
    const StreamId id = h.stack().connect_from(15001, Endpoint{kPeerIp, peer.port}, events());
    const std::uint32_t iss = only_tcp(h.take()).header.sequence_number;
    // The peer's own SYN crosses ours (RFC 9293 figure 7).
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    const auto synack = h.take();
    EXPECT_EQ(only_tcp(synack).header.flags, kTcpSyn | kTcpAck);
    EXPECT_EQ(only_tcp(synack).header.sequence_number, iss);
    EXPECT_EQ(state(), TcpState::kSynReceived);
    peer.seq += 1;
    peer.ack = iss + 1;
    h.inject(peer.segment(kTcpSyn | kTcpAck, {}, TcpPeer::syn_options()));
    h.poll();
    (void)h.take();
    h.inject(peer.segment(kTcpAck));
    h.poll();
    EXPECT_EQ(state(), TcpState::kEstablished);
    EXPECT_EQ(h.stack().state(id), StreamState::kEstablished);
    ASSERT_EQ(rec.connected.size(), 1U);
}

TEST_F(TcpTest, ResetInSynReceivedAfterASimultaneousOpenIsARefusal) {
    // RFC 9293 section 3.10.7.4, second step: a connection that came from SYN-SENT was refused.
    peer.stack_port = 15001;
    const StreamId id = h.stack().connect_from(15001, Endpoint{kPeerIp, peer.port}, events());
    (void)h.take();
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    (void)h.take();
    ASSERT_EQ(state(), TcpState::kSynReceived);
    h.inject(peer.segment_at(peer.seq + 1, kTcpRst));
    h.poll();
    ASSERT_EQ(rec.closed.size(), 1U);
    EXPECT_EQ(rec.closed[0], CloseReason::kRefused);
    EXPECT_EQ(h.stack().state(id), StreamState::kClosed);
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 0U);
    EXPECT_TRUE(h.take().empty());
}

TEST_F(TcpTest, SynSentTimesOutWithBackoff) {
    const StreamId id = h.stack().connect(Endpoint{kPeerIp, peer.port}, events());
    (void)h.take();
    std::vector<std::int64_t> gaps;
    std::int64_t last = h.now();
    while (h.stack().state(id) == StreamState::kConnecting) {
        ASSERT_TRUE(h.run_next_timer());
        gaps.push_back(h.now() - last);
        last = h.now();
        (void)h.take();
    }
    ASSERT_EQ(rec.closed.size(), 1U);
    EXPECT_EQ(rec.closed[0], CloseReason::kTimeout);
    ASSERT_GE(gaps.size(), 3U);
    EXPECT_EQ(gaps[1], 2 * gaps[0]);  // RFC 6298 section 5.5
    EXPECT_EQ(gaps[2], 2 * gaps[1]);
}

TEST_F(TcpTest, CloseInSynSentDeletesTheConnectionSilently) {
    const StreamId id = h.stack().connect(Endpoint{kPeerIp, peer.port}, events());
    (void)h.take();
    h.stack().close(id);
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 0U);
    EXPECT_TRUE(rec.closed.empty());
    EXPECT_EQ(h.stack().next_timer_ns(), kNever);
}

TEST_F(TcpTest, CloseInSynReceivedSendsFinOnceEstablished) {
    peer.stack_port = 15001;
    const StreamId id = h.stack().connect_from(15001, Endpoint{kPeerIp, peer.port}, events());
    const std::uint32_t iss = only_tcp(h.take()).header.sequence_number;
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    (void)h.take();
    h.stack().close(id);
    EXPECT_TRUE(h.take().empty());
    peer.seq += 1;
    peer.ack = iss + 1;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    const auto sent = h.take();
    bool fin = false;
    for (const Sent& s : sent) {
        fin = fin || (s.parsed.tcp.header.flags & kTcpFin) != 0;
    }
    EXPECT_TRUE(fin);
    EXPECT_EQ(state(), TcpState::kFinWait1);
}

// ---- Segments nobody expects -----------------------------------------------------------------

TEST_F(TcpTest, SegmentsToAClosedPortAreAnsweredWithReset) {
    // RFC 9293 section 3.10.7.1: no ACK -> <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    auto sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.flags, kTcpRst | kTcpAck);
    EXPECT_EQ(only_tcp(sent).header.sequence_number, 0U);
    EXPECT_EQ(only_tcp(sent).header.acknowledgment_number, peer.seq + 1);
    // With ACK -> <SEQ=SEG.ACK><CTL=RST>.
    peer.ack = 777;
    h.inject(peer.segment(kTcpAck | kTcpPsh, bytes_of("hello")));
    h.poll();
    sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.flags, kTcpRst);
    EXPECT_EQ(only_tcp(sent).header.sequence_number, 777U);
    // A reset is never answered.
    h.inject(peer.segment(kTcpRst));
    h.poll();
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack().counters().tcp_resets_sent, 2U);
}

TEST_F(TcpTest, AckToAListenerIsAnsweredWithReset) {
    ASSERT_TRUE(h.stack().listen(15000, events()));
    peer.ack = 4242;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    const auto sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.flags, kTcpRst);
    EXPECT_EQ(only_tcp(sent).header.sequence_number, 4242U);
    h.inject(peer.segment(kTcpFin));  // neither SYN nor ACK: dropped
    h.poll();
    EXPECT_TRUE(h.take().empty());
}

TEST_F(TcpTest, MalformedAndCorruptSegmentsAreDroppedAndCounted) {
    const StreamId id = establish_passive();
    auto bad_checksum = peer.segment(kTcpAck | kTcpPsh, bytes_of("data"));
    bad_checksum[54] ^= 0xFF;  // a payload byte
    h.inject(bad_checksum);
    auto short_offset = peer.segment(kTcpAck);
    short_offset[14 + 20 + 12] = 0x40;  // data offset 4 words, below the minimum of 5
    h.inject(short_offset);
    auto bad_option = peer.segment(kTcpSyn, {}, TcpPeer::syn_options());
    bad_option[14 + 20 + 21] = 9;  // MSS option length 9 runs past the header
    h.inject(bad_option);
    auto truncated = peer.segment(kTcpAck);
    truncated.resize(14 + 20 + 10);
    truncated[17] = static_cast<std::uint8_t>(20 + 10);  // IPv4 total length matches the cut
    truncated[24] = truncated[25] = 0;
    const std::uint16_t sum = proto::internet_checksum(std::span(truncated).subspan(14, 20));
    truncated[24] = static_cast<std::uint8_t>(sum >> 8);
    truncated[25] = static_cast<std::uint8_t>(sum);
    h.inject(truncated);
    h.poll();
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack().counters().tcp_bad_checksum, 1U);
    EXPECT_EQ(h.stack().counters().tcp_malformed, 3U);
    EXPECT_TRUE(rec.data.empty());
    EXPECT_EQ(h.stack().state(id), StreamState::kEstablished);
}

// ---- Data ------------------------------------------------------------------------------------

TEST_F(TcpTest, InOrderDataReachesTheCallbackInsideTheReceivedFrame) {
    establish_passive();
    const auto payload = bytes_of("order entry bytes");
    h.inject(peer.segment(kTcpAck | kTcpPsh, payload));
    const std::uint8_t* frame_data = rte_pktmbuf_mtod(h.port().rx.back(), const std::uint8_t*);
    h.poll();
    EXPECT_EQ(rec.data, payload);
    ASSERT_EQ(rec.data_pointers.size(), 1U);
    EXPECT_EQ(rec.data_pointers[0], frame_data + 14 + 20 + 20);  // zero copy
    const auto sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.acknowledgment_number, peer.seq + payload.size());
}

TEST_F(TcpTest, AcksOfOneBurstAreCoalescedIntoOne) {
    establish_passive();
    for (int i = 0; i < 5; ++i) {
        h.inject(peer.segment(kTcpAck | kTcpPsh, bytes_of("0123456789")));
        peer.seq += 10;
    }
    h.poll();
    const auto sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.acknowledgment_number, peer.seq);
    EXPECT_EQ(rec.data.size(), 50U);
}

TEST_F(TcpTest, OutOfOrderDataWaitsForTheGapAndEachOneIsAckedAtOnce) {
    establish_passive();
    const std::uint32_t base = peer.seq;
    h.inject(peer.segment_at(base + 10, kTcpAck, bytes_of("BBBBBBBBBB")));
    h.inject(peer.segment_at(base + 20, kTcpAck, bytes_of("CCCCC")));
    h.poll();
    auto sent = h.take();
    ASSERT_EQ(sent.size(), 2U);  // one duplicate ACK per out-of-order segment (RFC 5681 4.2)
    for (const Sent& s : sent) {
        EXPECT_EQ(s.parsed.tcp.header.acknowledgment_number, base);
    }
    EXPECT_TRUE(rec.data.empty());
    h.inject(peer.segment_at(base, kTcpAck, bytes_of("AAAAAAAAAA")));
    h.poll();
    EXPECT_EQ(rec.data, bytes_of("AAAAAAAAAABBBBBBBBBBCCCCC"));
    sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.acknowledgment_number, base + 25);
    EXPECT_EQ(h.stack().counters().tcp_out_of_order, 2U);
}

TEST_F(TcpTest, OverlappingAndDuplicateSegmentsDeliverEachByteOnce) {
    establish_passive();
    const std::uint32_t base = peer.seq;
    h.inject(peer.segment_at(base, kTcpAck, bytes_of("abcdef")));
    h.inject(peer.segment_at(base, kTcpAck, bytes_of("abcdef")));      // duplicate
    h.inject(peer.segment_at(base + 3, kTcpAck, bytes_of("defghi")));  // overlaps
    h.inject(peer.segment_at(base + 12, kTcpAck, bytes_of("mno")));    // out of order
    h.inject(peer.segment_at(base + 10, kTcpAck, bytes_of("klmn")));   // overlaps that
    h.inject(peer.segment_at(base + 9, kTcpAck, bytes_of("j")));       // fills the gap
    h.poll();
    EXPECT_EQ(rec.data, bytes_of("abcdefghijklmno"));
}

TEST_F(TcpTest, OutOfOrderRangesBeyondTheBoundAreDroppedAndCounted) {
    StackConfig config = default_config();
    config.tcp.max_out_of_order_ranges = 2;
    Harness local(config);
    TcpPeer p;
    Recorder r;
    ASSERT_TRUE(local.stack().listen(15000, StreamEvents::bind(r)));
    local.inject(p.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    local.poll();
    p.ack = only_tcp(local.take()).header.sequence_number + 1;
    p.seq += 1;
    local.inject(p.segment(kTcpAck));
    local.poll();
    const std::uint32_t base = p.seq;
    local.inject(p.segment_at(base + 10, kTcpAck, bytes_of("x")));
    local.inject(p.segment_at(base + 20, kTcpAck, bytes_of("y")));
    local.inject(p.segment_at(base + 30, kTcpAck, bytes_of("z")));  // a third range
    local.poll();
    EXPECT_EQ(local.stack().counters().tcp_out_of_order, 2U);
    EXPECT_EQ(local.stack().counters().tcp_out_of_order_dropped, 1U);
}

TEST_F(TcpTest, DataOutsideTheWindowIsNotAcceptedAndAnsweredWithAck) {
    establish_passive();
    h.inject(peer.segment_at(peer.seq + 100000, kTcpAck, bytes_of("far")));
    h.inject(peer.segment_at(peer.seq - 50, kTcpAck, bytes_of("old")));
    h.poll();
    const auto sent = h.take();
    ASSERT_EQ(sent.size(), 2U);
    EXPECT_EQ(sent[0].parsed.tcp.header.acknowledgment_number, peer.seq);
    EXPECT_EQ(h.stack().counters().tcp_unacceptable, 2U);
    EXPECT_TRUE(rec.data.empty());
}

TEST_F(TcpTest, SequenceNumbersWrapAroundTwoToThe32) {
    peer.seq = 0xFFFFFFF0U;
    establish_passive();
    std::vector<std::uint8_t> payload(64);
    std::iota(payload.begin(), payload.end(), std::uint8_t{1});
    h.inject(peer.segment(kTcpAck, payload));
    h.poll();
    EXPECT_EQ(rec.data, payload);
    EXPECT_EQ(only_tcp(h.take()).header.acknowledgment_number, peer.seq + 64U);
}

TEST_F(TcpTest, RingModeAdvertisesFreeSpaceClosesAtZeroAndReopensWhenRead) {
    RingRecorder ring;
    ASSERT_TRUE(h.stack().listen(15000, StreamEvents::bind(ring)));
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    peer.ack = only_tcp(h.take()).header.sequence_number + 1;
    peer.seq += 1;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    ASSERT_EQ(ring.connected.size(), 1U);
    const StreamId id = ring.connected[0];
    const std::uint32_t capacity = default_config().tcp.receive_buffer_bytes;
    std::vector<std::uint8_t> chunk(1000);
    std::uint32_t sent_bytes = 0;
    std::uint16_t last_window = 1;
    while (sent_bytes < capacity) {
        const std::uint32_t n = std::min<std::uint32_t>(1000, capacity - sent_bytes);
        for (std::uint32_t i = 0; i < n; ++i) {
            chunk[i] = static_cast<std::uint8_t>(sent_bytes + i);
        }
        h.inject(peer.segment(kTcpAck, std::span(chunk.data(), n)));
        peer.seq += n;
        sent_bytes += n;
        h.poll();
        const auto sent = h.take();
        last_window = only_tcp(sent).header.window;
    }
    EXPECT_EQ(last_window, 0);
    EXPECT_EQ(h.stack().readable(id), capacity);
    // More data now is not taken.
    h.inject(peer.segment(kTcpAck, bytes_of("overflow")));
    h.poll();
    EXPECT_EQ(only_tcp(h.take()).header.acknowledgment_number, peer.seq);
    EXPECT_EQ(h.stack().readable(id), capacity);
    // Reading half opens the window with an update.
    std::vector<std::uint8_t> out(capacity / 2);
    ASSERT_EQ(h.stack().receive(id, out), out.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        ASSERT_EQ(out[i], static_cast<std::uint8_t>(i));
    }
    const auto update = h.take();
    EXPECT_GE(only_tcp(update).header.window, capacity / 2);
    // peek/consume see the rest in order.
    const auto view = h.stack().peek(id);
    ASSERT_FALSE(view.empty());
    EXPECT_EQ(view[0], static_cast<std::uint8_t>(capacity / 2));
    EXPECT_EQ(h.stack().consume(id, view.size()), view.size());
}

TEST_F(TcpTest, SendIsSplitIntoMssSegmentsWithinThePeersWindow) {
    peer.window = 3000;
    const StreamId id = establish_passive(TcpPeer::syn_options(1000));
    std::vector<std::uint8_t> data(5000, 0x5A);
    EXPECT_EQ(h.stack().send(id, data), data.size());
    auto sent = h.take();
    ASSERT_EQ(sent.size(), 3U);  // 3000 bytes of window, 1000-byte MSS
    for (const Sent& s : sent) {
        EXPECT_EQ(s.parsed.tcp.payload.size(), 1000U);
    }
    const std::uint32_t first = sent[0].parsed.tcp.header.sequence_number;
    peer.ack = first + 3000;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    sent = h.take();
    ASSERT_EQ(sent.size(), 2U);
    EXPECT_EQ(sent[0].parsed.tcp.header.sequence_number, first + 3000);
    EXPECT_EQ(sent[1].parsed.tcp.payload.size(), 1000U);
    EXPECT_NE(sent[1].parsed.tcp.header.flags & kTcpPsh, 0);  // the last of the queued data
}

TEST_F(TcpTest, SendBufferTakesOnlyWhatFits) {
    const StreamId id = establish_passive();
    std::vector<std::uint8_t> data(100000, 1);
    EXPECT_EQ(h.stack().send(id, data), default_config().tcp.send_buffer_bytes);
    EXPECT_EQ(h.stack().send_space(id), 0U);
    EXPECT_EQ(h.stack().send(id, data), 0U);
}

TEST_F(TcpTest, RetransmissionTimeoutResendsTheFirstSegmentWithBackoff) {
    const StreamId id = establish_passive();
    ASSERT_EQ(h.stack().send(id, bytes_of("lost once")), 9U);
    const std::uint32_t seq = only_tcp(h.take()).header.sequence_number;
    TcpInfo info;
    ASSERT_TRUE(h.stack().tcp_info(id, info));
    const std::int64_t rto = info.rto_ns;
    std::int64_t start = h.now();
    ASSERT_TRUE(h.run_next_timer());
    EXPECT_EQ(h.now() - start, rto);
    auto sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.sequence_number, seq);
    EXPECT_EQ(only_tcp(sent).payload.size(), 9U);
    start = h.now();
    ASSERT_TRUE(h.run_next_timer());
    EXPECT_EQ(h.now() - start, 2 * rto);
    (void)h.take();
    peer.ack = seq + 9;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    EXPECT_EQ(h.stack().next_timer_ns(), kNever);  // all acknowledged: timer off
    EXPECT_EQ(h.stack().counters().tcp_timeouts, 2U);
}

TEST_F(TcpTest, TimeoutStaysWithinTheConfiguredBoundsAndTheStreamEndsAfterTheLastRetry) {
    const StackConfig config = default_config();
    const StreamId id = establish_passive();
    TcpInfo info;
    ASSERT_TRUE(h.stack().tcp_info(id, info));
    // The handshake took no time: the configured LAN minimum, not RFC 6298's 1 s.
    EXPECT_EQ(info.rto_ns, config.tcp.rto_min_ns);
    ASSERT_EQ(h.stack().send(id, bytes_of("unanswered")), 10U);
    const std::uint32_t seq = only_tcp(h.take()).header.sequence_number;
    std::vector<std::int64_t> gaps;
    std::size_t retransmissions = 0;
    for (int i = 0; i < 100 && h.stack().state(id) == StreamState::kEstablished; ++i) {
        const std::int64_t before = h.now();
        ASSERT_TRUE(h.run_next_timer());
        gaps.push_back(h.now() - before);
        for (const Sent& s : h.take()) {
            EXPECT_EQ(s.parsed.tcp.header.sequence_number, seq);
            EXPECT_EQ(s.parsed.tcp.payload.size(), 10U);
            ++retransmissions;
        }
    }
    EXPECT_EQ(retransmissions, config.tcp.max_retransmissions);
    ASSERT_EQ(gaps.size(), config.tcp.max_retransmissions + 1U);
    EXPECT_EQ(gaps[0], config.tcp.rto_min_ns);
    for (std::size_t i = 1; i < gaps.size(); ++i) {
        EXPECT_EQ(gaps[i], std::min(2 * gaps[i - 1], config.tcp.rto_max_ns)) << i;
    }
    EXPECT_EQ(gaps.back(), config.tcp.rto_max_ns);  // backoff reached the cap
    ASSERT_EQ(rec.closed.size(), 1U);
    EXPECT_EQ(rec.closed[0], CloseReason::kTimeout);
    EXPECT_EQ(h.stack().counters().tcp_connections_timed_out, 1U);
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 0U);
    EXPECT_EQ(h.stack().next_timer_ns(), kNever);
}

TEST_F(TcpTest, RoundTripSamplesSetTheTimeoutAfterRfc6298) {
    // The handshake takes 4 ms: the first sample (RFC 6298 section 2.2).
    ASSERT_TRUE(h.stack().listen(peer.stack_port, events()));
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    peer.ack = only_tcp(h.take()).header.sequence_number + 1;
    peer.seq += 1;
    h.advance(4'000'000);
    h.inject(peer.segment(kTcpAck));
    h.poll();
    ASSERT_EQ(rec.connected.size(), 1U);
    const StreamId id = rec.connected[0];
    TcpInfo first;
    ASSERT_TRUE(h.stack().tcp_info(id, first));
    EXPECT_EQ(first.srtt_ns, 4'000'000);
    EXPECT_EQ(first.rttvar_ns, 2'000'000);
    EXPECT_EQ(first.rto_ns, 4'000'000 + 4 * 2'000'000);
    // A data segment acknowledged after 8 ms: section 2.3.
    ASSERT_EQ(h.stack().send(id, bytes_of("x")), 1U);
    const std::uint32_t seq = only_tcp(h.take()).header.sequence_number;
    h.advance(8'000'000);
    peer.ack = seq + 1;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    TcpInfo second;
    ASSERT_TRUE(h.stack().tcp_info(id, second));
    EXPECT_EQ(second.rttvar_ns, (3 * 2'000'000 + 4'000'000) / 4);
    EXPECT_EQ(second.srtt_ns, (7 * 4'000'000 + 8'000'000) / 8);
    EXPECT_EQ(second.rto_ns, second.srtt_ns + 4 * second.rttvar_ns);
    // A sample that timed out is not taken (Karn): the timeout doubles instead.
    ASSERT_EQ(h.stack().send(id, bytes_of("y")), 1U);
    (void)h.take();
    ASSERT_TRUE(h.run_next_timer());
    TcpInfo third;
    ASSERT_TRUE(h.stack().tcp_info(id, third));
    EXPECT_EQ(third.rto_ns, 2 * second.rto_ns);
    EXPECT_EQ(third.srtt_ns, second.srtt_ns);
}

TEST_F(TcpTest, ThreeDuplicateAcksTriggerFastRetransmitBeforeTheTimeout) {
    const StreamId id = establish_passive(TcpPeer::syn_options(1000));
    std::vector<std::uint8_t> data(4000, 7);
    ASSERT_EQ(h.stack().send(id, data), data.size());
    const auto sent = h.take();
    ASSERT_EQ(sent.size(), 4U);
    const std::uint32_t first = sent[0].parsed.tcp.header.sequence_number;
    peer.ack = first + 1000;  // the second segment was lost
    for (int i = 0; i < 4; ++i) {
        h.inject(peer.segment(kTcpAck));
    }
    h.poll();
    const auto again = h.take();
    ASSERT_GE(again.size(), 1U);
    EXPECT_EQ(again[0].parsed.tcp.header.sequence_number, first + 1000);
    EXPECT_EQ(again[0].parsed.tcp.payload.size(), 1000U);
    EXPECT_EQ(h.stack().counters().tcp_fast_retransmits, 1U);
    EXPECT_EQ(h.stack().counters().tcp_timeouts, 0U);
    TcpInfo info;
    ASSERT_TRUE(h.stack().tcp_info(id, info));
    EXPECT_EQ(info.ssthresh, 2000U);  // max(flight / 2, 2 * MSS): flight was 3000
}

TEST_F(TcpTest, ZeroWindowIsProbedAndSendingResumesWhenItOpens) {
    peer.window = 0;
    const StreamId id = establish_passive(TcpPeer::syn_options(1000));
    std::vector<std::uint8_t> data(100);
    std::iota(data.begin(), data.end(), std::uint8_t{0});
    ASSERT_EQ(h.stack().send(id, data), data.size());
    EXPECT_TRUE(h.take().empty());    // nothing goes into a closed window
    ASSERT_TRUE(h.run_next_timer());  // the persist timer
    auto sent = h.take();
    const proto::TcpParse& probe = only_tcp(sent);
    EXPECT_EQ(probe.payload.size(), 1U);  // RFC 9293 3.8.6.1: one byte of new data
    const std::uint32_t first = probe.header.sequence_number;
    EXPECT_EQ(h.stack().counters().tcp_window_probes, 1U);
    // The probe is refused; probing continues, backing off, and the peer is not given up on.
    for (int i = 0; i < 20; ++i) {
        peer.ack = first;
        h.inject(peer.segment(kTcpAck));
        h.poll();
        ASSERT_TRUE(h.run_next_timer());
        const auto more = h.take();
        ASSERT_EQ(more.size(), 1U);
        EXPECT_EQ(more[0].parsed.tcp.header.sequence_number, first);
    }
    EXPECT_EQ(h.stack().state(id), StreamState::kEstablished);
    // The window opens: everything goes.
    peer.window = 65535;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    std::vector<std::uint8_t> received(100, 0xEE);
    for (const Sent& s : h.take()) {
        const std::uint32_t offset = s.parsed.tcp.header.sequence_number - first;
        std::copy(s.parsed.tcp.payload.begin(), s.parsed.tcp.payload.end(),
                  received.begin() + offset);
    }
    received[0] = probe.payload[0];
    EXPECT_EQ(received, data);
}

TEST_F(TcpTest, WithoutNagleSmallSegmentsGoAtOnceWithNagleTheyWait) {
    const StreamId id = establish_passive();
    ASSERT_EQ(h.stack().send(id, bytes_of("a")), 1U);
    ASSERT_EQ(h.stack().send(id, bytes_of("b")), 1U);
    EXPECT_EQ(h.take().size(), 2U);  // default: no Nagle delay

    StackConfig config = default_config();
    config.tcp.nagle = true;
    Harness nagle(config);
    TcpPeer p;
    Recorder r;
    ASSERT_TRUE(nagle.stack().listen(15000, StreamEvents::bind(r)));
    nagle.inject(p.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    nagle.poll();
    p.ack = only_tcp(nagle.take()).header.sequence_number + 1;
    p.seq += 1;
    nagle.inject(p.segment(kTcpAck));
    nagle.poll();
    ASSERT_EQ(r.connected.size(), 1U);
    ASSERT_EQ(nagle.stack().send(r.connected[0], bytes_of("a")), 1U);
    ASSERT_EQ(nagle.stack().send(r.connected[0], bytes_of("b")), 1U);
    ASSERT_EQ(nagle.stack().send(r.connected[0], bytes_of("c")), 1U);
    EXPECT_EQ(nagle.take().size(), 1U);  // "b" and "c" wait for the ACK of "a"
    p.ack += 1;
    nagle.inject(p.segment(kTcpAck));
    nagle.poll();
    const auto sent = nagle.take();
    EXPECT_EQ(only_tcp(sent).payload.size(), 2U);
}

TEST_F(TcpTest, DelayedAckWhenConfiguredAcksEverySecondSegmentOrAfterTheDelay) {
    StackConfig config = default_config();
    config.tcp.delayed_ack = true;
    config.tcp.delayed_ack_ns = 40'000'000;
    Harness d(config);
    TcpPeer p;
    Recorder r;
    ASSERT_TRUE(d.stack().listen(15000, StreamEvents::bind(r)));
    d.inject(p.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    d.poll();
    p.ack = only_tcp(d.take()).header.sequence_number + 1;
    p.seq += 1;
    d.inject(p.segment(kTcpAck));
    d.poll();
    (void)d.take();
    d.inject(p.segment(kTcpAck, bytes_of("one")));
    p.seq += 3;
    d.poll();
    EXPECT_TRUE(d.take().empty());
    const std::int64_t start = d.now();
    ASSERT_TRUE(d.run_next_timer());
    EXPECT_EQ(d.now() - start, 40'000'000);
    EXPECT_EQ(only_tcp(d.take()).header.acknowledgment_number, p.seq);
    d.inject(p.segment(kTcpAck, bytes_of("two")));
    p.seq += 3;
    d.poll();
    EXPECT_TRUE(d.take().empty());
    d.inject(p.segment(kTcpAck, bytes_of("three")));
    p.seq += 5;
    d.poll();
    EXPECT_EQ(only_tcp(d.take()).header.acknowledgment_number, p.seq);  // the second segment
}

// ---- Teardown --------------------------------------------------------------------------------

TEST_F(TcpTest, ActiveCloseWalksFinWait1FinWait2TimeWaitToClosed) {
    const StreamId id = establish_passive();
    h.stack().close(id);
    EXPECT_EQ(h.stack().state(id), StreamState::kClosing);
    auto sent = h.take();
    const proto::TcpParse& fin = only_tcp(sent);
    EXPECT_EQ(fin.header.flags, kTcpFin | kTcpAck);
    EXPECT_EQ(state(), TcpState::kFinWait1);
    peer.ack = fin.header.sequence_number + 1;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    EXPECT_EQ(state(), TcpState::kFinWait2);
    EXPECT_TRUE(rec.closed.empty());
    h.inject(peer.segment(kTcpFin | kTcpAck));
    peer.seq += 1;
    h.poll();
    EXPECT_EQ(state(), TcpState::kTimeWait);
    EXPECT_EQ(only_tcp(h.take()).header.acknowledgment_number, peer.seq);
    ASSERT_EQ(rec.closed.size(), 1U);
    EXPECT_EQ(rec.closed[0], CloseReason::kNormal);
    EXPECT_EQ(rec.peer_closed, 1);
    EXPECT_EQ(h.stack().state(id), StreamState::kClosed);  // the handle is stale now
    const std::int64_t start = h.now();
    ASSERT_TRUE(h.run_next_timer());
    EXPECT_EQ(h.now() - start, default_config().tcp.time_wait_ns);
    EXPECT_EQ(state(), TcpState::kClosed);
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 0U);
}

TEST_F(TcpTest, AckOfThePeersFinLeavesInTheSamePollOnceWeHaveClosed) {
    // After on_closed the application may stop polling: the last ACK cannot wait for a next pass.
    const StreamId id = establish_passive();
    h.stack().close(id);
    peer.ack = only_tcp(h.take()).header.sequence_number + 1;
    h.inject(peer.segment(kTcpFin | kTcpAck));
    (void)h.stack().poll(h.now());  // one pass only
    const auto sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.acknowledgment_number, peer.seq + 1);
    EXPECT_EQ(rec.closed.size(), 1U);
}

TEST_F(TcpTest, AckOfDataRidesOnTheApplicationsReplyOrGoesOnTheNextPass) {
    const StreamId id = establish_passive();
    h.inject(peer.segment(kTcpAck | kTcpPsh, bytes_of("request")));
    (void)h.stack().poll(h.now());
    EXPECT_TRUE(h.take().empty());                  // owed, not sent yet
    EXPECT_EQ(h.stack().next_timer_ns(), h.now());  // and the stack says so
    ASSERT_EQ(h.stack().send(id, bytes_of("reply")), 5U);
    auto sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.acknowledgment_number, peer.seq + 7);  // carried
    EXPECT_EQ(only_tcp(sent).payload.size(), 5U);
    (void)h.stack().poll(h.now());
    EXPECT_TRUE(h.take().empty());  // no pure ACK after all
    // Without a reply, the next pass sends it.
    h.inject(peer.segment_at(peer.seq + 7, kTcpAck | kTcpPsh, bytes_of("again")));
    (void)h.stack().poll(h.now());
    EXPECT_TRUE(h.take().empty());
    (void)h.stack().poll(h.now());
    EXPECT_EQ(only_tcp(h.take()).header.acknowledgment_number, peer.seq + 12);
}

TEST_F(TcpTest, FinAckingOurFinGoesFromFinWait1StraightToTimeWait) {
    const StreamId id = establish_passive();
    h.stack().close(id);
    const auto sent = h.take();
    const proto::TcpParse& fin = only_tcp(sent);
    ASSERT_EQ(fin.header.flags, kTcpFin | kTcpAck);
    ASSERT_EQ(state(), TcpState::kFinWait1);
    // One segment acknowledges our FIN and carries the peer's (RFC 9293 section 3.10.7.4: the
    // ACK takes FIN-WAIT-1 to FIN-WAIT-2, the FIN then to TIME-WAIT).
    peer.ack = fin.header.sequence_number + 1;
    h.inject(peer.segment(kTcpFin | kTcpAck));
    peer.seq += 1;
    (void)h.stack().poll(h.now());  // one pass: the ACK of the peer's FIN cannot wait
    const auto ack = h.take();
    EXPECT_EQ(only_tcp(ack).header.flags, kTcpAck);
    EXPECT_EQ(only_tcp(ack).header.sequence_number, fin.header.sequence_number + 1);
    EXPECT_EQ(only_tcp(ack).header.acknowledgment_number, peer.seq);
    EXPECT_EQ(state(), TcpState::kTimeWait);
    EXPECT_EQ(rec.peer_closed, 1);
    ASSERT_EQ(rec.closed.size(), 1U);
    EXPECT_EQ(rec.closed[0], CloseReason::kNormal);
    EXPECT_EQ(h.stack().state(id), StreamState::kClosed);
    // TIME-WAIT holds the slot for its full time, then frees it silently.
    const std::int64_t start = h.now();
    ASSERT_TRUE(h.run_next_timer());
    EXPECT_EQ(h.now() - start, default_config().tcp.time_wait_ns);
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(state(), TcpState::kClosed);
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 0U);
    EXPECT_EQ(rec.closed.size(), 1U);
}

TEST_F(TcpTest, SimultaneousClosePassesThroughClosing) {
    const StreamId id = establish_passive();
    const std::uint32_t our_ack_before = peer.ack;
    h.stack().close(id);
    const std::uint32_t fin_seq = only_tcp(h.take()).header.sequence_number;
    EXPECT_EQ(fin_seq, our_ack_before);
    // The peer's FIN crossed ours: it does not acknowledge our FIN yet.
    h.inject(peer.segment(kTcpFin | kTcpAck));
    peer.seq += 1;
    h.poll();
    EXPECT_EQ(state(), TcpState::kClosing);
    EXPECT_EQ(only_tcp(h.take()).header.acknowledgment_number, peer.seq);
    peer.ack = fin_seq + 1;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    EXPECT_EQ(state(), TcpState::kTimeWait);
    ASSERT_EQ(rec.closed.size(), 1U);
    EXPECT_EQ(rec.closed[0], CloseReason::kNormal);
}

TEST_F(TcpTest, PassiveCloseWalksCloseWaitLastAckToClosed) {
    const StreamId id = establish_passive();
    h.inject(peer.segment(kTcpFin | kTcpAck));
    peer.seq += 1;
    h.poll();
    EXPECT_EQ(state(), TcpState::kCloseWait);
    EXPECT_EQ(h.stack().state(id), StreamState::kPeerClosed);
    EXPECT_EQ(rec.peer_closed, 1);
    EXPECT_EQ(only_tcp(h.take()).header.acknowledgment_number, peer.seq);
    // Half-closed: we can still send.
    EXPECT_EQ(h.stack().send(id, bytes_of("bye")), 3U);
    const std::uint32_t data_seq = only_tcp(h.take()).header.sequence_number;
    h.stack().close(id);
    const auto fin = h.take();
    EXPECT_EQ(only_tcp(fin).header.flags & kTcpFin, kTcpFin);
    EXPECT_EQ(only_tcp(fin).header.sequence_number, data_seq + 3);
    EXPECT_EQ(state(), TcpState::kLastAck);
    peer.ack = data_seq + 4;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    EXPECT_EQ(state(), TcpState::kClosed);
    ASSERT_EQ(rec.closed.size(), 1U);
    EXPECT_EQ(rec.closed[0], CloseReason::kNormal);
}

TEST_F(TcpTest, RepeatedFinInTimeWaitIsAckedAgainAndRestartsTheTimer) {
    const StreamId id = establish_passive();
    h.stack().close(id);
    peer.ack = only_tcp(h.take()).header.sequence_number + 1;
    h.inject(peer.segment(kTcpFin | kTcpAck));
    h.poll();
    (void)h.take();
    h.advance(default_config().tcp.time_wait_ns / 2);
    h.inject(peer.segment(kTcpFin | kTcpAck));  // our ACK was lost
    h.poll();
    EXPECT_EQ(only_tcp(h.take()).header.acknowledgment_number, peer.seq + 1);
    const std::int64_t start = h.now();
    ASSERT_TRUE(h.run_next_timer());
    EXPECT_EQ(h.now() - start, default_config().tcp.time_wait_ns);
    EXPECT_EQ(state(), TcpState::kClosed);
}

TEST_F(TcpTest, NewSynBeyondTheOldSequenceReopensATimeWaitConnection) {
    const StreamId id = establish_passive();
    h.stack().close(id);
    peer.ack = only_tcp(h.take()).header.sequence_number + 1;
    h.inject(peer.segment(kTcpFin | kTcpAck));
    peer.seq += 1;
    h.poll();
    (void)h.take();
    ASSERT_EQ(state(), TcpState::kTimeWait);
    peer.seq += 100000;
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    EXPECT_EQ(only_tcp(h.take()).header.flags, kTcpSyn | kTcpAck);
    EXPECT_EQ(state(), TcpState::kSynReceived);
}

TEST(TcpTable, FullTableGivesTheOldestTimeWaitSlotToANewConnection) {
    StackConfig config = default_config();
    config.tcp.max_connections = 3;
    Harness h(config);
    Recorder r;
    ASSERT_TRUE(h.stack().listen(15000, StreamEvents::bind(r)));
    const auto open = [&](std::uint16_t port) {
        TcpPeer p;
        p.port = port;
        h.inject(p.segment(kTcpSyn, {}, TcpPeer::syn_options()));
        h.poll();
        const auto sent = h.take();
        if (sent.empty()) {
            return p;  // no slot
        }
        p.ack = sent[0].parsed.tcp.header.sequence_number + 1;
        p.seq += 1;
        h.inject(p.segment(kTcpAck));
        h.poll();
        return p;
    };
    // Two connections end in TIME-WAIT (we close first), the first one earlier.
    std::vector<TcpPeer> closed;
    for (std::uint16_t port : {41000, 41001}) {
        TcpPeer p = open(port);
        h.stack().close(r.connected.back());
        p.ack = only_tcp(h.take()).header.sequence_number + 1;
        h.inject(p.segment(kTcpFin | kTcpAck));
        p.seq += 1;
        h.poll();
        (void)h.take();
        ASSERT_EQ(h.stack().tcp_state_of(Endpoint{kPeerIp, port}, 15000), TcpState::kTimeWait);
        closed.push_back(p);
        h.advance(1'000'000);
    }
    (void)open(41002);
    ASSERT_EQ(h.stack().tcp_connections_in_use(), 3U);
    // The table is full: the next SYN takes the older TIME-WAIT slot.
    (void)open(41003);
    EXPECT_EQ(r.connected.size(), 4U);
    EXPECT_EQ(h.stack().counters().tcp_time_wait_reclaimed, 1U);
    EXPECT_EQ(h.stack().tcp_state_of(Endpoint{kPeerIp, 41000}, 15000), TcpState::kClosed);
    EXPECT_EQ(h.stack().tcp_state_of(Endpoint{kPeerIp, 41001}, 15000), TcpState::kTimeWait);
    (void)open(41004);
    EXPECT_EQ(h.stack().counters().tcp_time_wait_reclaimed, 2U);
    // With no TIME-WAIT left, a SYN beyond the table is dropped and counted.
    (void)open(41005);
    EXPECT_EQ(r.connected.size(), 5U);
    EXPECT_EQ(h.stack().counters().tcp_syn_dropped, 1U);
    for (std::size_t i = 2; i < r.connected.size(); ++i) {
        EXPECT_EQ(h.stack().state(r.connected[i]), StreamState::kEstablished);
    }
    // A segment of the reclaimed incarnation now finds no connection: RST.
    TcpPeer& old = closed[0];
    h.inject(old.segment(kTcpAck));
    h.poll();
    EXPECT_EQ(only_tcp(h.take()).header.flags, kTcpRst);
}

TEST_F(TcpTest, FinBeforeMissingDataIsHeldUntilTheDataArrives) {
    const StreamId id = establish_passive();
    const std::uint32_t base = peer.seq;
    h.inject(peer.segment_at(base + 4, kTcpFin | kTcpAck, bytes_of("tail")));
    h.poll();
    EXPECT_EQ(state(), TcpState::kEstablished);
    EXPECT_EQ(rec.peer_closed, 0);
    (void)h.take();
    h.inject(peer.segment_at(base, kTcpAck, bytes_of("head")));
    h.poll();
    EXPECT_EQ(rec.data, bytes_of("headtail"));
    EXPECT_EQ(state(), TcpState::kCloseWait);
    EXPECT_EQ(rec.peer_closed, 1);
    EXPECT_EQ(h.stack().state(id), StreamState::kPeerClosed);
    const auto sent = h.take();
    EXPECT_EQ(sent.back().parsed.tcp.header.acknowledgment_number, base + 9);
}

TEST_F(TcpTest, LostFinIsSentAgainWithItsDataByTheRetransmissionTimer) {
    const StreamId id = establish_passive();
    ASSERT_EQ(h.stack().send(id, bytes_of("last")), 4U);
    h.stack().close(id);
    const auto sent = h.take();
    ASSERT_EQ(sent.size(), 2U);  // the data went at once; the FIN follows it alone
    const std::uint32_t data_seq = sent[0].parsed.tcp.header.sequence_number;
    EXPECT_EQ(sent[1].parsed.tcp.header.flags, kTcpFin | kTcpAck);
    EXPECT_EQ(sent[1].parsed.tcp.header.sequence_number, data_seq + 4);
    // Both are lost: the timer sends the data and the FIN again, in one segment.
    ASSERT_TRUE(h.run_next_timer());
    const auto again = h.take();
    const proto::TcpParse& retransmitted = only_tcp(again);
    EXPECT_EQ(retransmitted.header.sequence_number, data_seq);
    EXPECT_EQ(retransmitted.header.flags & (kTcpFin | kTcpAck), kTcpFin | kTcpAck);
    EXPECT_EQ(retransmitted.payload.size(), 4U);
    EXPECT_EQ(state(), TcpState::kFinWait1);
    // The data is acknowledged, the FIN not: the FIN alone goes again.
    peer.ack = data_seq + 4;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    EXPECT_EQ(state(), TcpState::kFinWait1);
    ASSERT_TRUE(h.run_next_timer());
    const auto fin = h.take();
    EXPECT_EQ(only_tcp(fin).header.flags, kTcpFin | kTcpAck);
    EXPECT_EQ(only_tcp(fin).header.sequence_number, data_seq + 4);
    EXPECT_TRUE(only_tcp(fin).payload.empty());
    peer.ack = data_seq + 5;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    EXPECT_EQ(state(), TcpState::kFinWait2);
}

TEST_F(TcpTest, LostFinInLastAckIsSentAgainUntilAcknowledged) {
    const StreamId id = establish_passive();
    h.inject(peer.segment(kTcpFin | kTcpAck));
    peer.seq += 1;
    h.poll();
    (void)h.take();
    h.stack().close(id);
    const std::uint32_t fin_seq = only_tcp(h.take()).header.sequence_number;
    ASSERT_EQ(state(), TcpState::kLastAck);
    ASSERT_TRUE(h.run_next_timer());
    const auto again = h.take();
    EXPECT_EQ(only_tcp(again).header.flags, kTcpFin | kTcpAck);
    EXPECT_EQ(only_tcp(again).header.sequence_number, fin_seq);
    EXPECT_EQ(only_tcp(again).header.acknowledgment_number, peer.seq);
    EXPECT_TRUE(rec.closed.empty());
    peer.ack = fin_seq + 1;
    h.inject(peer.segment(kTcpAck));
    h.poll();
    EXPECT_EQ(state(), TcpState::kClosed);
    ASSERT_EQ(rec.closed.size(), 1U);
    EXPECT_EQ(rec.closed[0], CloseReason::kNormal);
}

TEST_F(TcpTest, AfterOurCloseThePeersDataIsStillReceivedInFinWait1AndFinWait2) {
    // close() ends our direction only (a half-close); the peer may go on sending.
    const StreamId id = establish_passive();
    h.stack().close(id);
    const std::uint32_t fin_seq = only_tcp(h.take()).header.sequence_number;
    h.inject(peer.segment(kTcpAck | kTcpPsh, bytes_of("one")));  // does not ACK our FIN
    peer.seq += 3;
    h.poll();
    EXPECT_EQ(state(), TcpState::kFinWait1);
    EXPECT_EQ(rec.data, bytes_of("one"));
    auto sent = h.take();
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(sent.back().parsed.tcp.header.acknowledgment_number, peer.seq);
    peer.ack = fin_seq + 1;
    h.inject(peer.segment(kTcpAck | kTcpPsh, bytes_of("two")));  // ACKs our FIN
    peer.seq += 3;
    h.poll();
    EXPECT_EQ(state(), TcpState::kFinWait2);
    EXPECT_EQ(rec.data, bytes_of("onetwo"));
    sent = h.take();
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(sent.back().parsed.tcp.header.acknowledgment_number, peer.seq);
    EXPECT_EQ(h.stack().state(id), StreamState::kClosing);
    EXPECT_EQ(h.stack().send(id, bytes_of("no")), 0U);  // our direction is closed
    h.inject(peer.segment(kTcpAck | kTcpFin | kTcpPsh, bytes_of("three")));
    peer.seq += 6;
    h.poll();
    EXPECT_EQ(rec.data, bytes_of("onetwothree"));
    EXPECT_EQ(state(), TcpState::kTimeWait);
    EXPECT_EQ(only_tcp(h.take()).header.acknowledgment_number, peer.seq);
    ASSERT_EQ(rec.closed.size(), 1U);
    EXPECT_EQ(rec.closed[0], CloseReason::kNormal);
}

TEST_F(TcpTest, ExactResetEndsTheConnectionInEverySynchronizedState) {
    // RFC 9293 section 3.10.7.4, second step, for each state after ESTABLISHED: the stream ends
    // with kReset (TIME-WAIT, which the application already left, just frees its slot).
    ASSERT_TRUE(h.stack().listen(15000, events()));
    const TcpState states[] = {TcpState::kCloseWait, TcpState::kLastAck, TcpState::kFinWait1,
                               TcpState::kFinWait2,  TcpState::kClosing, TcpState::kTimeWait};
    std::uint16_t port = 42000;
    for (const TcpState target : states) {
        SCOPED_TRACE(std::string(to_string(target)));
        TcpPeer p;
        p.port = port++;
        h.inject(p.segment(kTcpSyn, {}, TcpPeer::syn_options()));
        h.poll();
        p.ack = only_tcp(h.take()).header.sequence_number + 1;
        p.seq += 1;
        h.inject(p.segment(kTcpAck));
        h.poll();
        ASSERT_FALSE(rec.connected.empty());
        const StreamId id = rec.connected.back();
        const std::size_t closed_before = rec.closed.size();
        if (target == TcpState::kCloseWait || target == TcpState::kLastAck) {
            h.inject(p.segment(kTcpFin | kTcpAck));
            p.seq += 1;
            h.poll();
            if (target == TcpState::kLastAck) {
                h.stack().close(id);
            }
        } else {
            h.stack().close(id);
            const std::uint32_t fin_seq = only_tcp(h.take()).header.sequence_number;
            if (target == TcpState::kFinWait2 || target == TcpState::kTimeWait) {
                p.ack = fin_seq + 1;
            }
            if (target != TcpState::kFinWait1 && target != TcpState::kFinWait2) {
                h.inject(p.segment(kTcpFin | kTcpAck));
                p.seq += 1;
            } else {
                h.inject(p.segment(kTcpAck));
            }
            h.poll();
        }
        (void)h.take();
        const Endpoint remote{kPeerIp, p.port};
        ASSERT_EQ(h.stack().tcp_state_of(remote, 15000), target);
        h.inject(p.segment(kTcpRst));
        h.poll();
        EXPECT_TRUE(h.take().empty());  // a reset is never answered
        EXPECT_EQ(h.stack().tcp_state_of(remote, 15000), TcpState::kClosed);
        if (target == TcpState::kTimeWait) {
            ASSERT_EQ(rec.closed.size(), closed_before + 1);  // kNormal, on entering TIME-WAIT
            EXPECT_EQ(rec.closed.back(), CloseReason::kNormal);
        } else {
            ASSERT_EQ(rec.closed.size(), closed_before + 1);
            EXPECT_EQ(rec.closed.back(), CloseReason::kReset);
        }
        EXPECT_EQ(h.stack().state(id), StreamState::kClosed);
    }
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 0U);
    EXPECT_EQ(h.stack().counters().tcp_connections_reset, 6U);
}

TEST_F(TcpTest, ExactResetEndsTheStreamAndInWindowResetEarnsAChallengeAck) {
    const StreamId id = establish_passive();
    h.inject(peer.segment_at(peer.seq + 100, kTcpRst));  // in window, not exact (RFC 5961)
    h.poll();
    EXPECT_EQ(only_tcp(h.take()).header.flags, kTcpAck);
    EXPECT_EQ(h.stack().counters().tcp_challenge_acks, 1U);
    EXPECT_EQ(h.stack().state(id), StreamState::kEstablished);
    h.inject(peer.segment_at(peer.seq + 1'000'000, kTcpRst));  // outside: dropped silently
    h.poll();
    EXPECT_TRUE(h.take().empty());
    h.inject(peer.segment(kTcpRst));
    h.poll();
    ASSERT_EQ(rec.closed.size(), 1U);
    EXPECT_EQ(rec.closed[0], CloseReason::kReset);
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 0U);
    EXPECT_TRUE(h.take().empty());
}

TEST_F(TcpTest, SynOnAnEstablishedConnectionEarnsAChallengeAck) {
    const StreamId id = establish_passive();
    h.inject(peer.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    h.poll();
    EXPECT_EQ(only_tcp(h.take()).header.flags, kTcpAck);
    EXPECT_EQ(h.stack().state(id), StreamState::kEstablished);
}

TEST_F(TcpTest, AckForDataNeverSentIsAnsweredAndIgnored) {
    const StreamId id = establish_passive();
    peer.ack += 5000;
    h.inject(peer.segment(kTcpAck | kTcpPsh, bytes_of("data")));
    h.poll();
    EXPECT_EQ(only_tcp(h.take()).header.acknowledgment_number, peer.seq);
    EXPECT_TRUE(rec.data.empty());
    EXPECT_EQ(h.stack().state(id), StreamState::kEstablished);
}

TEST_F(TcpTest, AbortSendsResetAndFreesTheSlotWithoutCallback) {
    const StreamId id = establish_passive();
    h.stack().abort(id);
    const auto sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.flags, kTcpRst);
    EXPECT_EQ(only_tcp(sent).header.sequence_number, peer.ack);
    EXPECT_TRUE(rec.closed.empty());
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 0U);
    EXPECT_EQ(h.stack().send(id, bytes_of("x")), 0U);  // stale handle
}

TEST_F(TcpTest, FinWait2EndsAfterItsTimeout) {
    StackConfig config = default_config();
    config.tcp.fin_wait_2_timeout_ns = 3'000'000'000;
    Harness f(config);
    TcpPeer p;
    Recorder r;
    ASSERT_TRUE(f.stack().listen(15000, StreamEvents::bind(r)));
    f.inject(p.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    f.poll();
    p.ack = only_tcp(f.take()).header.sequence_number + 1;
    p.seq += 1;
    f.inject(p.segment(kTcpAck));
    f.poll();
    f.stack().close(r.connected.at(0));
    p.ack += 1;
    (void)f.take();
    f.inject(p.segment(kTcpAck));
    f.poll();
    const std::int64_t start = f.now();
    ASSERT_TRUE(f.run_next_timer());
    EXPECT_EQ(f.now() - start, 3'000'000'000);
    ASSERT_EQ(r.closed.size(), 1U);
    EXPECT_EQ(r.closed[0], CloseReason::kTimeout);
    EXPECT_EQ(f.stack().tcp_connections_in_use(), 0U);
}

TEST_F(TcpTest, KeepaliveProbesAnIdlePeerAndEndsTheStreamWhenUnanswered) {
    StackConfig config = default_config();
    config.tcp.keepalive = true;
    config.tcp.keepalive_idle_ns = 5'000'000'000;
    config.tcp.keepalive_interval_ns = 1'000'000'000;
    config.tcp.keepalive_probes = 3;
    Harness k(config);
    TcpPeer p;
    Recorder r;
    ASSERT_TRUE(k.stack().listen(15000, StreamEvents::bind(r)));
    k.inject(p.segment(kTcpSyn, {}, TcpPeer::syn_options()));
    k.poll();
    p.ack = only_tcp(k.take()).header.sequence_number + 1;
    p.seq += 1;
    k.inject(p.segment(kTcpAck));
    k.poll();
    // An answered probe keeps it alive.
    ASSERT_TRUE(k.run_next_timer());
    auto probe = k.take();
    EXPECT_EQ(only_tcp(probe).header.sequence_number, p.ack - 1);  // SEG.SEQ = SND.NXT - 1
    k.inject(p.segment(kTcpAck));
    k.poll();
    EXPECT_EQ(k.stack().state(r.connected.at(0)), StreamState::kEstablished);
    int probes = 0;
    while (k.stack().state(r.connected.at(0)) == StreamState::kEstablished) {
        ASSERT_TRUE(k.run_next_timer());
        probes += static_cast<int>(k.take().size());
    }
    EXPECT_EQ(probes, 3);
    ASSERT_EQ(r.closed.size(), 1U);
    EXPECT_EQ(r.closed[0], CloseReason::kTimeout);
}

TEST_F(TcpTest, CallbackMayAbortItsOwnStreamMidSegment) {
    struct Aborter {
        Stack* stack = nullptr;
        int calls = 0;
        void on_data(StreamId id, std::span<const std::uint8_t>) noexcept {
            ++calls;
            stack->abort(id);
        }
    } aborter;
    aborter.stack = &h.stack();
    const StreamId id = establish_passive();
    ASSERT_TRUE(h.stack().set_events(id, StreamEvents::bind(aborter)));
    h.inject(peer.segment(kTcpAck | kTcpFin, bytes_of("abc")));
    h.poll();
    EXPECT_EQ(aborter.calls, 1);
    EXPECT_EQ(h.stack().tcp_connections_in_use(), 0U);
    const auto sent = h.take();
    EXPECT_EQ(only_tcp(sent).header.flags, kTcpRst);
}

}  // namespace
}  // namespace tb::net::test
