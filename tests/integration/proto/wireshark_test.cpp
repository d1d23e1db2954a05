// Wireshark as an independent judge of our encoders. Frames built by proto/ (MoldUDP64 packets
// carrying every ITCH 5.0 message type over UDP, and a SoupBinTCP session carrying every OUCH 4.2
// message over TCP) are written to pcapng; tshark then reads the file with its own MoldUDP64,
// SoupBinTCP and OUCH dissectors and checksum validation on, and:
//  - reports no error or warning expert info (malformed packets, bad checksums, TCP sequence
//    problems), and every IPv4, UDP and TCP checksum verifies;
//  - prints, for every SoupBinTCP packet, OUCH message and MoldUDP64 packet, the same field
//    values that we encoded.
// tshark's ITCH dissector does not know 5.0, so the ITCH content is compared as the message
// bytes MoldUDP64 carries (the ITCH decoder is judged against real captures in unit tests).

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "proto/frame.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"
#include "proto/ouch.hpp"
#include "proto/pcapng.hpp"
#include "proto/soupbintcp.hpp"
#include "tests/support/process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace tb::proto;
using tb::core::Rng;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint16_t kMoldPort = 26477;
constexpr std::uint16_t kSoupPort = 15000;

// ---- running tshark ---------------------------------------------------------------------------

using tb::test::CommandResult;
using tb::test::run_command;

bool have_tshark() {
    return tb::test::have_command("tshark");
}

std::string tshark_base(const fs::path& file) {
    return "tshark -r '" + file.string() +
           "' -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE"
           " -d udp.port==" +
           std::to_string(kMoldPort) + ",moldudp64 -d tcp.port==" + std::to_string(kSoupPort) +
           ",soupbintcp";
}

// Runs tshark with -T fields for the given fields; returns one row of columns per frame.
std::vector<std::vector<std::string>> tshark_fields(const fs::path& file,
                                                    const std::vector<std::string>& fields) {
    std::string command = tshark_base(file) +
                          " -T fields -E separator=/t -E occurrence=a -E aggregator='|'"
                          " -e frame.number";
    for (const std::string& f : fields) {
        command += " -e " + f;
    }
    const CommandResult result = run_command(command + " 2>/dev/null");
    EXPECT_EQ(result.exit_code, 0) << command;
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(result.output);
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> columns;
        std::size_t start = 0;
        for (;;) {
            const std::size_t tab = line.find('\t', start);
            columns.push_back(line.substr(start, tab == std::string::npos ? tab : tab - start));
            if (tab == std::string::npos) {
                break;
            }
            start = tab + 1;
        }
        columns.resize(fields.size() + 1);
        rows.push_back(std::move(columns));
    }
    return rows;
}

// ---- building the capture ---------------------------------------------------------------------

// What we put in each frame, to compare with what tshark reads back.
struct SoupExpectation {
    char type = 0;
    std::size_t length = 0;                     // the Packet Length field
    std::map<std::string, std::string> fields;  // tshark soupbintcp.* field -> value
};

struct OuchExpectation {
    bool present = false;
    std::map<std::string, std::string> fields;  // tshark ouch.* field -> value
};

struct MoldExpectation {
    bool present = false;
    std::string session;
    std::uint64_t sequence = 0;
    std::uint16_t count = 0;
    std::vector<Bytes> messages;
};

struct FrameExpectation {
    std::vector<SoupExpectation> soup;
    OuchExpectation ouch;
    MoldExpectation mold;
};

std::string char_field(char c) {
    return std::string("'") + c + "'";
}

std::string tshark_time(std::uint64_t ns) {
    const std::uint64_t seconds = ns / 1'000'000'000;
    char text[48];
    std::snprintf(text, sizeof text, "%llu:%02llu:%02llu.%09llu",
                  static_cast<unsigned long long>(seconds / 3600),
                  static_cast<unsigned long long>(seconds / 60 % 60),
                  static_cast<unsigned long long>(seconds % 60),
                  static_cast<unsigned long long>(ns % 1'000'000'000));
    return text;
}

// Our OUCH field name -> tshark's. `reason` depends on the message.
std::string tshark_ouch_field(std::string_view ours, char type) {
    static const std::map<std::string, std::string, std::less<>> kNames = {
        {"order_token", "ouch.order_token"},
        {"existing_order_token", "ouch.existing_order_token"},
        {"replacement_order_token", "ouch.replacement_order_token"},
        {"previous_order_token", "ouch.previous_order_token"},
        {"buy_sell_indicator", "ouch.buy_sell_indicator"},
        {"shares", "ouch.shares"},
        {"stock", "ouch.stock"},
        {"price", "ouch.price"},
        {"time_in_force", "ouch.tif"},
        {"firm", "ouch.firm"},
        {"display", "ouch.display"},
        {"capacity", "ouch.capacity"},
        {"intermarket_sweep_eligibility", "ouch.iso_eligible"},
        {"minimum_quantity", "ouch.min_quantity"},
        {"cross_type", "ouch.cross_type"},
        {"customer_type", "ouch.customer_type"},
        {"timestamp", "ouch.timestamp"},
        {"event_code", "ouch.event_code"},
        {"order_reference_number", "ouch.order_reference_number"},
        {"order_state", "ouch.order_state"},
        {"bbo_weight_indicator", "ouch.bbo_weight_indicator"},
        {"decrement_shares", "ouch.decrement_shares"},
        {"quantity_prevented_from_trading", "ouch.quantity_prevented_from_trading"},
        {"execution_price", "ouch.execution_price"},
        {"liquidity_flag", "ouch.liquidity_flag"},
        {"executed_shares", "ouch.executed_shares"},
        {"match_number", "ouch.match_number"},
    };
    if (ours == "reason") {
        return type == 'B'   ? "ouch.broken_trade_reason"
               : type == 'J' ? "ouch.reject_reason"
                             : "ouch.cancel_reason";
    }
    const auto found = kNames.find(ours);
    return found == kNames.end() ? "" : found->second;
}

std::vector<std::string> all_tshark_ouch_fields() {
    return {"ouch.packet_type",
            "ouch.order_token",
            "ouch.existing_order_token",
            "ouch.replacement_order_token",
            "ouch.previous_order_token",
            "ouch.buy_sell_indicator",
            "ouch.shares",
            "ouch.stock",
            "ouch.price",
            "ouch.tif",
            "ouch.firm",
            "ouch.display",
            "ouch.capacity",
            "ouch.iso_eligible",
            "ouch.min_quantity",
            "ouch.cross_type",
            "ouch.customer_type",
            "ouch.timestamp",
            "ouch.event_code",
            "ouch.order_reference_number",
            "ouch.order_state",
            "ouch.bbo_weight_indicator",
            "ouch.decrement_shares",
            "ouch.cancel_reason",
            "ouch.quantity_prevented_from_trading",
            "ouch.execution_price",
            "ouch.liquidity_flag",
            "ouch.executed_shares",
            "ouch.match_number",
            "ouch.broken_trade_reason",
            "ouch.reject_reason"};
}

// Random field values from a small alphabet (upper case and digits; spaces as padding), so the
// comparison does not depend on how tshark escapes unusual characters.
template <class M>
M random_message(Rng& rng) {
    M message;
    constexpr auto fields = M::fields();
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::apply(
        [&](const auto&... field) {
            (
                [&](const auto& f) {
                    using F = std::remove_cvref_t<decltype(f)>;
                    auto& value = message.*(f.member);
                    if constexpr (F::kind == FieldKind::kAlpha) {
                        const std::size_t used = 1 + rng.below(F::width);
                        for (std::size_t i = 0; i < F::width; ++i) {
                            value.bytes[i] = i < used ? kAlphabet[rng.below(36)] : ' ';
                        }
                    } else if constexpr (F::kind == FieldKind::kCode) {
                        value = static_cast<typename F::Value>(kAlphabet[rng.below(36)]);
                    } else if constexpr (F::kind == FieldKind::kTimestamp) {
                        value = rng.below(86'400'000'000'000ULL);
                    } else {
                        value = static_cast<typename F::Value>(rng.next());
                    }
                }(field),
                ...);
        },
        fields);
    return message;
}

template <class M>
OuchExpectation expect_ouch(const M& message) {
    OuchExpectation e;
    e.present = true;
    e.fields["ouch.packet_type"] = char_field(M::kType);
    visit_fields(message, [&](std::string_view name, const FieldValue& v) {
        const std::string field = tshark_ouch_field(name, M::kType);
        ASSERT_FALSE(field.empty()) << name;
        switch (v.kind) {
            case FieldKind::kAlpha:
                e.fields[field] = std::string(v.text);
                break;
            case FieldKind::kCode:
                e.fields[field] = char_field(v.text[0]);
                break;
            case FieldKind::kTimestamp:
                e.fields[field] = tshark_time(v.number);
                break;
            default:
                e.fields[field] = std::to_string(v.number);
                break;
        }
    });
    return e;
}

class CaptureBuilder {
public:
    explicit CaptureBuilder(const fs::path& path) {
        EXPECT_EQ(writer_.open(path.string(), "tickbench proto wireshark_test"), Status::kOk);
        feed_ = writer_.add_interface("feed");
        orders_ = writer_.add_interface("orders");
    }

    void udp(const FrameSpec& spec, std::span<const std::uint8_t> payload, FrameExpectation e) {
        Bytes frame(1600);
        frame.resize(build_udp_frame(spec, payload, frame));
        ASSERT_FALSE(frame.empty());
        write(feed_, frame, CaptureDirection::kOutbound, std::move(e));
    }

    void tcp(const FrameSpec& spec, const TcpHeader& header, const TcpOptions& options,
             std::span<const std::uint8_t> payload, bool from_client, FrameExpectation e) {
        Bytes frame(1600);
        frame.resize(build_tcp_frame(spec, header, options, payload, frame));
        ASSERT_FALSE(frame.empty());
        write(orders_, frame,
              from_client ? CaptureDirection::kInbound : CaptureDirection::kOutbound, std::move(e));
    }

    std::vector<FrameExpectation> finish() {
        EXPECT_EQ(writer_.close(), Status::kOk);
        return std::move(frames_);
    }

private:
    void write(std::uint32_t interface, const Bytes& frame, CaptureDirection direction,
               FrameExpectation e) {
        time_ns_ += 1'000;
        ASSERT_EQ(writer_.write_packet(interface, time_ns_, frame, direction), Status::kOk);
        frames_.push_back(std::move(e));
    }

    PcapngWriter writer_;
    std::uint32_t feed_ = 0;
    std::uint32_t orders_ = 0;
    std::int64_t time_ns_ = 1'700'000'000'000'000'000;
    std::vector<FrameExpectation> frames_;
};

// One TCP connection between the client and the exchange, with consistent sequence and
// acknowledgment numbers, so that tshark's TCP analysis has nothing to complain about.
class TcpSession {
public:
    TcpSession(CaptureBuilder& capture, std::uint16_t client_port, std::uint32_t client_isn,
               std::uint32_t server_isn)
        : capture_(capture), client_seq_(client_isn), server_seq_(server_isn) {
        client_.source = {{0x02, 0, 0, 0, 0, 0x02}, 0x0A000002, client_port};
        client_.destination = {{0x02, 0, 0, 0, 0, 0x01}, 0x0A000001, kSoupPort};
        server_.source = client_.destination;
        server_.destination = client_.source;
    }

    void handshake() {
        TcpOptions syn;
        syn.has_mss = true;
        syn.mss = 1460;
        syn.sack_permitted = true;
        syn.has_timestamps = true;
        syn.timestamp_value = 1000;
        syn.has_window_scale = true;
        syn.window_scale = 7;
        segment(true, kTcpSyn, syn, {}, {});
        syn.timestamp_echo = 1000;
        syn.timestamp_value = 5000;
        segment(false, kTcpSyn | kTcpAck, syn, {}, {});
        segment(true, kTcpAck, TcpOptions{}, {}, {});
    }

    void send(bool from_client, std::span<const std::uint8_t> payload, FrameExpectation e) {
        segment(from_client, kTcpAck | kTcpPsh, TcpOptions{}, payload, std::move(e));
    }

    void close() {
        segment(true, kTcpFin | kTcpAck, TcpOptions{}, {}, {});
        segment(false, kTcpFin | kTcpAck, TcpOptions{}, {}, {});
        segment(true, kTcpAck, TcpOptions{}, {}, {});
    }

private:
    void segment(bool from_client, std::uint8_t flags, const TcpOptions& options,
                 std::span<const std::uint8_t> payload, FrameExpectation e) {
        TcpHeader header;
        header.flags = flags;
        header.window = (flags & kTcpSyn) != 0 ? 64240 : 502;
        std::uint32_t& seq = from_client ? client_seq_ : server_seq_;
        const std::uint32_t ack = from_client ? server_seq_ : client_seq_;
        header.sequence_number = seq;
        header.acknowledgment_number = (flags & kTcpAck) != 0 ? ack : 0;
        capture_.tcp(from_client ? client_ : server_, header, options, payload, from_client,
                     std::move(e));
        seq += static_cast<std::uint32_t>(payload.size()) +
               ((flags & (kTcpSyn | kTcpFin)) != 0 ? 1 : 0);
    }

    CaptureBuilder& capture_;
    FrameSpec client_;
    FrameSpec server_;
    std::uint32_t client_seq_;
    std::uint32_t server_seq_;
};

template <class M>
Bytes soup_data(soup::PacketType type, const M& message, SoupExpectation& e) {
    Bytes packet(200);
    packet.resize(soup::write_message(type, message, packet));
    e.type = static_cast<char>(type);
    e.length = packet.size() - 2;
    return packet;
}

template <class List, class F>
void for_each_type(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (f(std::type_identity<std::tuple_element_t<I, List>>{}), ...);
    }
    (std::make_index_sequence<std::tuple_size_v<List>>{});
}

std::vector<FrameExpectation> build_capture(const fs::path& path) {
    Rng rng(20260101);
    CaptureBuilder capture(path);

    // MoldUDP64: every ITCH message type several times, packed into MTU-sized packets, then a
    // heartbeat and the end of the session.
    FrameSpec feed;
    feed.source = {{0x02, 0, 0, 0, 0, 0x01}, 0x0A000001, kMoldPort};
    feed.destination = {{0x01, 0x00, 0x5E, 0x36, 0x0C, 0x6F}, 0xE9360C6F, kMoldPort};
    feed.ttl = 32;
    const mold::Session session = mold::Session::left("TB00000001");
    std::vector<Bytes> itch_messages;
    for (int round = 0; round < 8; ++round) {
        for_each_type<itch::AllMessages>([&](auto type) {
            using M = typename decltype(type)::type;
            Bytes bytes(wire_size<M>());
            EXPECT_EQ(itch::encode(random_message<M>(rng), bytes), bytes.size());
            itch_messages.push_back(bytes);
        });
    }
    Bytes buffer(1500);
    mold::PacketBuilder builder(buffer, mold::payload_limit_for_mtu(1500));
    std::uint64_t next = 1;
    std::size_t at = 0;
    while (at < itch_messages.size()) {
        FrameExpectation e;
        e.mold.present = true;
        e.mold.session = std::string(session.raw());
        e.mold.sequence = next;
        builder.start(session, next);
        while (at < itch_messages.size() && builder.add(itch_messages[at])) {
            e.mold.messages.push_back(itch_messages[at]);
            ++at;
        }
        e.mold.count = builder.count();
        next = builder.next_sequence();
        capture.udp(feed, builder.finish(), e);
    }
    for (const bool end : {false, true}) {
        Bytes bare(mold::kHeaderSize);
        const std::size_t size = end ? mold::write_end_of_session(session, next, bare)
                                     : mold::write_heartbeat(session, next, bare);
        EXPECT_EQ(size, mold::kHeaderSize);
        FrameExpectation e;
        e.mold.present = true;
        e.mold.session = std::string(session.raw());
        e.mold.sequence = next;
        e.mold.count = end ? mold::kEndOfSessionCount : 0;
        capture.udp(feed, bare, e);
    }

    // SoupBinTCP session 1: login, every OUCH message both ways, heartbeats, debug, logout.
    TcpSession tcp(capture, 40001, 1'000'000, 2'000'000'000);
    tcp.handshake();
    {
        const soup::LoginRequest request{Alpha<6>::left("TBUSER"), Alpha<10>::left("SECRET99"),
                                         Alpha<10>::left(""), 1};
        Bytes packet(100);
        packet.resize(soup::write_login_request(request, packet));
        FrameExpectation e;
        SoupExpectation s{'L', 47, {}};
        s.fields["soupbintcp.username"] = "TBUSER";
        s.fields["soupbintcp.password"] = "SECRET99  ";
        s.fields["soupbintcp.session"] = "          ";  // the requested session: blank
        s.fields["Requested sequence number"] = "1";
        e.soup.push_back(s);
        tcp.send(true, packet, e);
    }
    {
        const soup::LoginAccepted accepted{Alpha<10>::right("TB0001"), 1};
        Bytes packet(100);
        packet.resize(soup::write_login_accepted(accepted, packet));
        FrameExpectation e;
        SoupExpectation s{'A', 31, {}};
        s.fields["soupbintcp.session"] = "    TB0001";
        s.fields["Next sequence number"] = "1";
        e.soup.push_back(s);
        tcp.send(false, packet, e);
    }
    // One OUCH message per segment, so that every tshark row holds one message.
    for (int round = 0; round < 3; ++round) {
        for_each_type<ouch::InboundMessages>([&](auto type) {
            using M = typename decltype(type)::type;
            const M message = random_message<M>(rng);
            FrameExpectation e;
            SoupExpectation s;
            const Bytes packet = soup_data(soup::PacketType::kUnsequencedData, message, s);
            e.soup.push_back(s);
            e.ouch = expect_ouch(message);
            tcp.send(true, packet, e);
        });
        for_each_type<ouch::OutboundMessages>([&](auto type) {
            using M = typename decltype(type)::type;
            const M message = random_message<M>(rng);
            FrameExpectation e;
            SoupExpectation s;
            const Bytes packet = soup_data(soup::PacketType::kSequencedData, message, s);
            e.soup.push_back(s);
            e.ouch = expect_ouch(message);
            tcp.send(false, packet, e);
        });
    }
    // Several packets in one segment: heartbeats and a debug packet.
    {
        Bytes segment(100);
        std::size_t size = soup::write_empty(soup::PacketType::kClientHeartbeat, segment);
        const std::string text = "tickbench debug";
        size += soup::write_with_payload(
            soup::PacketType::kDebug,
            std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
            std::span(segment).subspan(size));
        segment.resize(size);
        FrameExpectation e;
        e.soup.push_back({'R', 1, {}});
        SoupExpectation debug{'+', 1 + text.size(), {}};
        debug.fields["soupbintcp.text"] = text;
        e.soup.push_back(debug);
        tcp.send(true, segment, e);
    }
    for (const auto type : {soup::PacketType::kServerHeartbeat, soup::PacketType::kEndOfSession}) {
        Bytes packet(3);
        EXPECT_EQ(soup::write_empty(type, packet), 3u);
        FrameExpectation e;
        e.soup.push_back({static_cast<char>(type), 1, {}});
        tcp.send(false, packet, e);
    }
    {
        Bytes packet(3);
        EXPECT_EQ(soup::write_empty(soup::PacketType::kLogoutRequest, packet), 3u);
        FrameExpectation e;
        e.soup.push_back({'O', 1, {}});
        tcp.send(true, packet, e);
    }
    tcp.close();

    // SoupBinTCP session 2: a refused login.
    TcpSession refused(capture, 40002, 7'000, 9'000);
    refused.handshake();
    {
        Bytes packet(100);
        packet.resize(soup::write_login_request(
            {Alpha<6>::left("NOBODY"), Alpha<10>::left("X"), Alpha<10>::left("TB0001"), 0},
            packet));
        FrameExpectation e;
        SoupExpectation s{'L', 47, {}};
        s.fields["soupbintcp.username"] = "NOBODY";
        s.fields["soupbintcp.password"] = "X         ";
        s.fields["soupbintcp.session"] = "TB0001    ";
        s.fields["Requested sequence number"] = "0";
        e.soup.push_back(s);
        refused.send(true, packet, e);
        packet.resize(4);
        EXPECT_EQ(soup::write_login_rejected(soup::RejectReason::kNotAuthorized, packet), 4u);
        FrameExpectation r;
        SoupExpectation reject{'J', 2, {}};
        reject.fields["soupbintcp.reject_code"] = "'A'";
        r.soup.push_back(reject);
        refused.send(false, packet, r);
    }
    refused.close();
    return capture.finish();
}

std::string to_hex(const Bytes& bytes) {
    std::string hex;
    char two[3];
    for (const std::uint8_t b : bytes) {
        std::snprintf(two, sizeof two, "%02x", b);
        hex += two;
    }
    return hex;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    if (text.empty()) {
        return parts;
    }
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = text.find(separator, start);
        parts.push_back(text.substr(start, at == std::string::npos ? at : at - start));
        if (at == std::string::npos) {
            return parts;
        }
        start = at + 1;
    }
}

class Wireshark : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!have_tshark()) {
            return;
        }
        path_ = fs::temp_directory_path() /
                ("tb_proto_wireshark_" + std::to_string(::getpid()) + ".pcapng");
        frames_ = build_capture(path_);
        if (const char* keep = std::getenv("TB_KEEP_CAPTURE"); keep != nullptr) {
            fs::copy_file(path_, keep, fs::copy_options::overwrite_existing);
        }
    }
    static void TearDownTestSuite() {
        if (!path_.empty()) {
            fs::remove(path_);
        }
    }
    void SetUp() override {
        if (!have_tshark()) {
            GTEST_SKIP() << "tshark not found on PATH (apt-get install tshark); the Wireshark "
                            "checks need it";
        }
    }

    static fs::path path_;
    static std::vector<FrameExpectation> frames_;
};

fs::path Wireshark::path_;
std::vector<FrameExpectation> Wireshark::frames_;

TEST_F(Wireshark, ReportsNoMalformedPacketChecksumOrSequenceProblem) {
    const CommandResult expert = run_command(tshark_base(path_) + " -q -z expert 2>/dev/null");
    ASSERT_EQ(expert.exit_code, 0);
    // -z expert lists sections "Errors (n)", "Warns (n)", "Notes", "Chats", "Comments".
    EXPECT_EQ(expert.output.find("Errors"), std::string::npos) << expert.output;
    EXPECT_EQ(expert.output.find("Warns"), std::string::npos) << expert.output;
    EXPECT_EQ(expert.output.find("Malformed"), std::string::npos) << expert.output;
    EXPECT_EQ(expert.output.find("hecksum"), std::string::npos) << expert.output;
    const CommandResult malformed =
        run_command(tshark_base(path_) +
                    " -Y '_ws.malformed || _ws.expert.severity >= 6291456'"
                    " 2>/dev/null");
    EXPECT_EQ(malformed.output, "") << malformed.output;
}

TEST_F(Wireshark, EveryChecksumVerifies) {
    const auto rows =
        tshark_fields(path_, {"ip.checksum.status", "udp.checksum.status", "tcp.checksum.status"});
    ASSERT_EQ(rows.size(), frames_.size());
    std::size_t udp = 0;
    std::size_t tcp = 0;
    for (const auto& row : rows) {
        EXPECT_EQ(row[1], "1") << "frame " << row[0] << ": IPv4 checksum status";
        if (!row[2].empty()) {
            EXPECT_EQ(row[2], "1") << "frame " << row[0] << ": UDP checksum status";
            ++udp;
        }
        if (!row[3].empty()) {
            EXPECT_EQ(row[3], "1") << "frame " << row[0] << ": TCP checksum status";
            ++tcp;
        }
    }
    EXPECT_GT(udp, 3u);
    EXPECT_GT(tcp, 40u);
}

TEST_F(Wireshark, SoupBinTcpFieldsAreThoseWeEncoded) {
    // tshark's SoupBinTCP dissector stores a placeholder in the two sequence number fields and
    // shows the number only in their text, so those are read from the -V output below.
    const std::vector<std::string> fields = {"soupbintcp.packet_type", "soupbintcp.packet_length",
                                             "soupbintcp.username",    "soupbintcp.password",
                                             "soupbintcp.session",     "soupbintcp.reject_code",
                                             "soupbintcp.text"};
    const auto rows = tshark_fields(path_, fields);
    ASSERT_EQ(rows.size(), frames_.size());
    std::size_t packets = 0;
    std::set<char> types;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        const auto& want = frames_[i].soup;
        const auto got_types = split(row[1], '|');
        const auto got_lengths = split(row[2], '|');
        ASSERT_EQ(got_types.size(), want.size()) << "frame " << row[0];
        ASSERT_EQ(got_lengths.size(), want.size()) << "frame " << row[0];
        for (std::size_t p = 0; p < want.size(); ++p) {
            EXPECT_EQ(got_types[p], char_field(want[p].type)) << "frame " << row[0];
            EXPECT_EQ(got_lengths[p], std::to_string(want[p].length)) << "frame " << row[0];
            types.insert(want[p].type);
            ++packets;
        }
        for (std::size_t f = 2; f < fields.size(); ++f) {
            std::string expected;
            for (const auto& packet : want) {
                const auto found = packet.fields.find(fields[f]);
                if (found != packet.fields.end()) {
                    expected = found->second;
                }
            }
            EXPECT_EQ(row[f + 1], expected) << "frame " << row[0] << " " << fields[f];
        }
    }
    EXPECT_EQ(types.size(), 10u);  // every SoupBinTCP packet type
    EXPECT_GT(packets, 50u);

    for (const std::string label : {"Requested sequence number", "Next sequence number"}) {
        std::vector<std::string> expected;
        for (const FrameExpectation& frame : frames_) {
            for (const SoupExpectation& packet : frame.soup) {
                const auto found = packet.fields.find(label);
                if (found != packet.fields.end()) {
                    expected.push_back(found->second);
                }
            }
        }
        const CommandResult verbose = run_command(tshark_base(path_) + " -V 2>/dev/null");
        std::vector<std::string> shown;
        std::istringstream in(verbose.output);
        const std::string prefix = "    " + label + ": ";
        for (std::string line; std::getline(in, line);) {
            if (line.rfind(prefix, 0) == 0) {
                shown.push_back(line.substr(prefix.size()));
            }
        }
        EXPECT_EQ(shown, expected) << label;
        EXPECT_FALSE(expected.empty());
    }
}

TEST_F(Wireshark, OuchFieldsAreThoseWeEncoded) {
    const std::vector<std::string> fields = all_tshark_ouch_fields();
    const auto rows = tshark_fields(path_, fields);
    ASSERT_EQ(rows.size(), frames_.size());
    std::size_t messages = 0;
    std::set<std::string> kinds;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        const OuchExpectation& want = frames_[i].ouch;
        for (std::size_t f = 0; f < fields.size(); ++f) {
            const auto found = want.fields.find(fields[f]);
            const std::string expected = found == want.fields.end() ? "" : found->second;
            EXPECT_EQ(row[f + 1], expected) << "frame " << row[0] << " " << fields[f];
        }
        if (want.present) {
            ++messages;
            kinds.insert(want.fields.at("ouch.packet_type") + std::to_string(want.fields.size()));
        }
    }
    EXPECT_EQ(messages, 3u * 16);
    EXPECT_EQ(kinds.size(), 16u);  // every OUCH message, inbound and outbound
}

TEST_F(Wireshark, MoldUdp64HeadersAndMessageBlocksAreThoseWeEncoded) {
    const auto rows =
        tshark_fields(path_, {"moldudp64.session", "moldudp64.sequence", "moldudp64.count",
                              "moldudp64.msglen", "moldudp64.msgseq", "moldudp64.msgdata"});
    ASSERT_EQ(rows.size(), frames_.size());
    std::size_t messages = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        const MoldExpectation& want = frames_[i].mold;
        if (!want.present) {
            EXPECT_EQ(row[1], "") << "frame " << row[0];
            continue;
        }
        EXPECT_EQ(row[1], want.session) << "frame " << row[0];
        EXPECT_EQ(row[2], std::to_string(want.sequence)) << "frame " << row[0];
        EXPECT_EQ(row[3], std::to_string(want.count)) << "frame " << row[0];
        const auto lengths = split(row[4], '|');
        const auto sequences = split(row[5], '|');
        const auto data = split(row[6], '|');
        ASSERT_EQ(lengths.size(), want.messages.size()) << "frame " << row[0];
        ASSERT_EQ(sequences.size(), want.messages.size());
        ASSERT_EQ(data.size(), want.messages.size());
        for (std::size_t m = 0; m < want.messages.size(); ++m) {
            EXPECT_EQ(lengths[m], std::to_string(want.messages[m].size()));
            EXPECT_EQ(sequences[m], std::to_string(want.sequence + m));
            EXPECT_EQ(data[m], to_hex(want.messages[m]));
            ++messages;
        }
    }
    EXPECT_EQ(messages, 8u * 23);
}

}  // namespace
