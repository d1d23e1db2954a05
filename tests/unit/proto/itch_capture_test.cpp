// The ITCH 5.0 / MoldUDP64 / UDP / IPv4 / 802.1Q decoders against real Nasdaq captures, checked
// field by field against an independent decode (tshark with a third-party ITCH 5.0 dissector)
// stored next to them in ../shared/data/itch50/expected-decode/. Nothing is transcribed here:
// the expected values are read from those files.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "proto/capture.hpp"
#include "proto/frame.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"

#ifndef TB_ITCH50_DIR
#error "TB_ITCH50_DIR must name the shared ITCH 5.0 capture folder"
#endif

namespace {

namespace fs = std::filesystem;
using namespace tb::proto;

const fs::path kDataDir = TB_ITCH50_DIR;

#define SKIP_WITHOUT_SHARED_DATA()                                                \
    do {                                                                          \
        if (!fs::is_directory(kDataDir / "expected-decode")) {                    \
            GTEST_SKIP() << "shared ITCH 5.0 captures not found: looked for "     \
                         << (kDataDir / "expected-decode").string()               \
                         << " (clone the repository next to the shared/ folder)"; \
        }                                                                         \
    } while (false)

// ---- the expected decode ----------------------------------------------------------------------

struct ExpectedMessage {
    std::size_t length = 0;
    char type = 0;
    std::vector<std::pair<std::string, std::string>> fields;  // name as printed, raw value
};

struct ExpectedPacket {
    std::string session;
    std::uint64_t sequence = 0;
    std::uint64_t count = 0;
    std::vector<ExpectedMessage> messages;
};

// "key: value" with the indentation removed; value keeps everything after ": ".
bool split_line(const std::string& line, std::string& key, std::string& value) {
    std::size_t begin = 0;
    while (begin < line.size() && line[begin] == ' ') {
        ++begin;
    }
    const std::size_t colon = line.find(':', begin);
    if (colon == std::string::npos) {
        return false;
    }
    key = line.substr(begin, colon - begin);
    value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    return true;
}

std::vector<ExpectedPacket> read_expected(const fs::path& path) {
    std::ifstream in(path);
    std::vector<ExpectedPacket> packets;
    std::string line;
    bool in_fields = false;
    while (std::getline(in, line)) {
        if (line.empty()) {
            continue;
        }
        if (line.rfind("Nasdaq ", 0) == 0) {
            packets.emplace_back();
            in_fields = false;
            continue;
        }
        if (packets.empty()) {
            continue;
        }
        ExpectedPacket& packet = packets.back();
        std::string key;
        std::string value;
        if (!split_line(line, key, value) || key.front() == '[') {
            continue;
        }
        if (key == "Message" && value.find_first_not_of(' ') == std::string::npos) {
            packet.messages.emplace_back();
            in_fields = false;
        } else if (packet.messages.empty()) {
            if (key == "Session") {
                packet.session = value;
            } else if (key == "Sequence Number") {
                packet.sequence = std::stoull(value);
            } else if (key == "Message Count") {
                packet.count = std::stoull(value);
            }
        } else if (key == "Message Length") {
            packet.messages.back().length = std::stoull(value);
        } else if (key == "Message Type") {
            const std::size_t open = value.rfind('(');
            packet.messages.back().type = value.at(open + 1);
        } else if (key == "Message Header") {
            continue;
        } else if (!in_fields && value.find_first_not_of(' ') == std::string::npos) {
            in_fields = true;  // the "<Name> Message:" line that opens the field list
        } else if (in_fields) {
            packet.messages.back().fields.emplace_back(key, value);
        }
    }
    return packets;
}

// "Stock Locate" -> "stocklocate"; the few names the dissector spells differently from the
// specification are mapped to the specification's.
std::string normalize(const std::string& name) {
    std::string out;
    for (const char c : name) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    static const std::map<std::string, std::string> kAliases = {
        {"locatecode", "stocklocate"},          // Reg SHO message
        {"canceledshares", "cancelledshares"},  // ITCH spells it "Cancelled Shares"
        {"crossshares", "shares"},              // Cross Trade: "Shares" in section 4.5.2
    };
    const auto alias = kAliases.find(out);
    return alias == kAliases.end() ? out : alias->second;
}

std::string trim(std::string_view text) {
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && text[begin] == ' ') {
        ++begin;
    }
    while (end > begin && text[end - 1] == ' ') {
        --end;
    }
    return std::string(text.substr(begin, end - begin));
}

// "106.26" -> 1062600 with 4 implied decimals; nullopt if it is not such a number.
std::optional<std::uint64_t> parse_decimal(const std::string& text, int decimals) {
    std::uint64_t whole = 0;
    std::size_t at = 0;
    for (; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) != 0; ++at) {
        whole = whole * 10 + static_cast<std::uint64_t>(text[at] - '0');
    }
    if (at == 0) {
        return std::nullopt;
    }
    std::uint64_t fraction = 0;
    int digits = 0;
    if (at < text.size() && text[at] == '.') {
        for (++at; at < text.size(); ++at, ++digits) {
            if (std::isdigit(static_cast<unsigned char>(text[at])) == 0 || digits == decimals) {
                return std::nullopt;
            }
            fraction = fraction * 10 + static_cast<std::uint64_t>(text[at] - '0');
        }
    }
    if (at != text.size()) {
        return std::nullopt;
    }
    for (; digits < decimals; ++digits) {
        fraction *= 10;
    }
    std::uint64_t scale = 1;
    for (int i = 0; i < decimals; ++i) {
        scale *= 10;
    }
    return whole * scale + fraction;
}

// The one-byte code a dissector line shows: "Buy (B)" -> 'B', "... (<whitespace>)" -> ' ', and a
// bare one-character value as it is.
std::optional<char> parse_code(const std::string& text) {
    const std::size_t open = text.rfind('(');
    if (!text.empty() && text.back() == ')' && open != std::string::npos) {
        const std::string inner = text.substr(open + 1, text.size() - open - 2);
        if (inner == "<whitespace>") {
            return ' ';
        }
        if (inner.size() == 1) {
            return inner[0];
        }
        return std::nullopt;
    }
    if (text.size() == 1) {
        return text[0];
    }
    return std::nullopt;
}

// ---- our decode -------------------------------------------------------------------------------

struct OurField {
    std::string name;
    FieldValue value;
    std::string text;  // a copy of value.text (the message it points into is gone)
};

struct OurMessage {
    char type = 0;
    std::vector<std::uint8_t> bytes;
    std::vector<OurField> fields;
};

struct OurPacket {
    ParsedFrame frame;
    bool frame_checksums_ok = false;
    mold::Header header;
    std::vector<OurMessage> messages;
};

std::vector<OurPacket> decode_capture(const fs::path& path) {
    std::vector<OurPacket> packets;
    CaptureReader reader;
    EXPECT_EQ(reader.open(path.string()), Status::kOk) << reader.error();
    CaptureRecord record;
    Status status;
    while ((status = reader.next(record)) == Status::kOk) {
        OurPacket packet;
        EXPECT_EQ(record.link_type, kLinkTypeEthernet);
        EXPECT_EQ(parse_frame(record.data, packet.frame, ParseOptions{.verify_checksums = false}),
                  Status::kOk)
            << path << " frame " << record.number;
        packet.frame_checksums_ok = packet.frame.checksums_ok();
        EXPECT_EQ(packet.frame.layer4, Layer4::kUdp);
        const Status mold_status = mold::for_each_message(
            packet.frame.payload, packet.header,
            [&](std::uint64_t, std::span<const std::uint8_t> message) {
                OurMessage ours;
                ours.bytes.assign(message.begin(), message.end());
                const Status decoded = itch::decode(message, [&](const auto& m) {
                    ours.type = std::remove_cvref_t<decltype(m)>::kType;
                    visit_fields(m, [&](std::string_view name, const FieldValue& value) {
                        ours.fields.push_back(
                            OurField{std::string(name), value, std::string(value.text)});
                    });
                });
                EXPECT_EQ(decoded, Status::kOk) << path << " frame " << record.number;
                packet.messages.push_back(std::move(ours));
            });
        EXPECT_EQ(mold_status, Status::kOk) << path << " frame " << record.number;
        packets.push_back(std::move(packet));
    }
    EXPECT_EQ(status, Status::kEnd) << reader.error();
    return packets;
}

// The capture file an expected-decode file describes.
fs::path capture_for(const fs::path& expected) {
    const std::string name = expected.stem().string();
    const std::size_t split = name.find("__");
    const std::string folder = name.substr(0, split);
    const std::string file = name.substr(split + 2) + ".pcap";
    const bool per_type = folder.size() > 8 && folder.substr(folder.size() - 8) == "20230822";
    return kDataDir / (per_type ? "nasdaq-per-type" : "nasdaq-live") / file;
}

std::vector<fs::path> expected_files() {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(kDataDir / "expected-decode")) {
        if (entry.path().extension() == ".txt") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

constexpr std::int64_t kSecondsPerDay = 86'400;

// Compares one field; `shift_seconds` is the time-zone shift of the expected timestamps, fixed
// by the first timestamp seen and required to be the same everywhere.
void expect_field_equal(const OurField& ours, const std::string& expected,
                        std::optional<std::int64_t>& shift_seconds, const std::string& where) {
    const FieldValue& v = ours.value;
    switch (v.kind) {
        case FieldKind::kUnsigned:
            EXPECT_EQ(std::to_string(v.number), trim(expected)) << where;
            break;
        case FieldKind::kPrice4:
        case FieldKind::kPrice8: {
            const auto parsed = parse_decimal(trim(expected), v.kind == FieldKind::kPrice4 ? 4 : 8);
            ASSERT_TRUE(parsed.has_value()) << where << ": '" << expected << "'";
            EXPECT_EQ(v.number, *parsed) << where;
            break;
        }
        case FieldKind::kTimestamp: {
            // "2023-08-22 14:29:59.999836649": compare the time of day.
            const std::string text = trim(expected);
            const std::size_t space = text.find(' ');
            ASSERT_NE(space, std::string::npos) << where;
            const int hours = std::stoi(text.substr(space + 1, 2));
            const int minutes = std::stoi(text.substr(space + 4, 2));
            const int seconds = std::stoi(text.substr(space + 7, 2));
            const std::uint64_t fraction = std::stoull(text.substr(space + 10));
            ASSERT_EQ(text.size() - space - 10, 9u) << where << ": nanosecond digits";
            EXPECT_EQ(v.number % 1'000'000'000, fraction) << where;
            const std::int64_t shown = hours * 3600 + minutes * 60 + seconds;
            const auto ours_seconds = static_cast<std::int64_t>(v.number / 1'000'000'000);
            const std::int64_t shift =
                ((shown - ours_seconds) % kSecondsPerDay + kSecondsPerDay) % kSecondsPerDay;
            if (!shift_seconds) {
                shift_seconds = shift;
                EXPECT_EQ(shift % 3600, 0) << where << ": the shift is not whole hours";
            }
            EXPECT_EQ(shift, *shift_seconds) << where;
            break;
        }
        case FieldKind::kAlpha:
            EXPECT_EQ(trim(ours.text), trim(expected)) << where;
            break;
        case FieldKind::kCode: {
            const auto code = parse_code(expected);
            ASSERT_TRUE(code.has_value()) << where << ": '" << expected << "'";
            EXPECT_EQ(ours.text, std::string(1, *code)) << where;
            break;
        }
    }
}

// ---- tests ------------------------------------------------------------------------------------

TEST(ItchCaptures, EveryCaptureDecodesAndMatchesTheIndependentDecodeFieldByField) {
    SKIP_WITHOUT_SHARED_DATA();
    std::optional<std::int64_t> shift_seconds;
    std::size_t files = 0;
    std::size_t messages = 0;
    std::set<char> types;
    for (const fs::path& expected_path : expected_files()) {
        SCOPED_TRACE(expected_path.filename().string());
        const fs::path capture = capture_for(expected_path);
        ASSERT_TRUE(fs::exists(capture)) << capture;
        const std::vector<ExpectedPacket> expected = read_expected(expected_path);
        const std::vector<OurPacket> ours = decode_capture(capture);
        ASSERT_FALSE(expected.empty());
        ASSERT_EQ(ours.size(), expected.size()) << "frames";
        for (std::size_t p = 0; p < ours.size(); ++p) {
            const std::string frame = "frame " + std::to_string(p + 1);
            const ExpectedPacket& want = expected[p];
            const OurPacket& got = ours[p];
            if (want.session == "No Value") {
                EXPECT_EQ(got.header.session.raw(), std::string(10, '\0')) << frame;
            } else {
                EXPECT_EQ(std::string(got.header.session.trimmed()), want.session) << frame;
            }
            EXPECT_EQ(got.header.sequence_number, want.sequence) << frame;
            EXPECT_EQ(got.header.message_count, want.count) << frame;
            ASSERT_EQ(got.messages.size(), want.messages.size()) << frame;
            for (std::size_t m = 0; m < got.messages.size(); ++m) {
                const std::string where = frame + " message " + std::to_string(m + 1);
                const OurMessage& our = got.messages[m];
                const ExpectedMessage& their = want.messages[m];
                EXPECT_EQ(our.type, their.type) << where;
                EXPECT_EQ(our.bytes.size(), their.length) << where;
                // The same set of fields, and each value equal.
                std::map<std::string, const OurField*> by_name;
                for (const OurField& field : our.fields) {
                    by_name[normalize(field.name)] = &field;
                }
                EXPECT_EQ(their.fields.size(), our.fields.size()) << where;
                for (const auto& [name, value] : their.fields) {
                    const auto found = by_name.find(normalize(name));
                    ASSERT_NE(found, by_name.end()) << where << ": no field for '" << name << "'";
                    expect_field_equal(*found->second, value, shift_seconds, where + " " + name);
                }
                types.insert(our.type);
                ++messages;
            }
        }
        ++files;
    }
    EXPECT_EQ(files, 23u);
    EXPECT_EQ(messages, 117u);
    EXPECT_EQ(types.size(), 15u);  // the message types the captures contain
}

TEST(ItchCaptures, EncodingEveryDecodedMessageGivesBackTheSameBytes) {
    SKIP_WITHOUT_SHARED_DATA();
    std::size_t checked = 0;
    for (const fs::path& expected_path : expected_files()) {
        for (const OurPacket& packet : decode_capture(capture_for(expected_path))) {
            for (const OurMessage& message : packet.messages) {
                std::vector<std::uint8_t> again;
                const Status status =
                    itch::decode(std::span<const std::uint8_t>(message.bytes), [&](const auto& m) {
                        again.resize(message.bytes.size());
                        EXPECT_EQ(itch::encode(m, again), message.bytes.size());
                    });
                ASSERT_EQ(status, Status::kOk);
                EXPECT_EQ(again, message.bytes) << expected_path.filename();
                ++checked;
            }
        }
    }
    EXPECT_EQ(checked, 117u);
}

TEST(ItchCaptures, RebuildingEachLivePacketAndFrameGivesBackTheCapturedBytes) {
    SKIP_WITHOUT_SHARED_DATA();
    std::size_t frames = 0;
    for (const auto& entry : fs::directory_iterator(kDataDir / "nasdaq-live")) {
        CaptureReader reader;
        ASSERT_EQ(reader.open(entry.path().string()), Status::kOk);
        CaptureRecord record;
        while (reader.next(record) == Status::kOk) {
            // Live captures carry real checksums: they must verify.
            ParsedFrame frame;
            ASSERT_EQ(parse_frame(record.data, frame), Status::kOk) << entry.path();
            EXPECT_TRUE(frame.checksums_ok());
            // MoldUDP64 packet: rebuilt from its messages by the packet builder.
            mold::Header header;
            std::vector<std::vector<std::uint8_t>> messages;
            ASSERT_EQ(mold::for_each_message(frame.payload, header,
                                             [&](std::uint64_t, std::span<const std::uint8_t> m) {
                                                 messages.emplace_back(m.begin(), m.end());
                                             }),
                      Status::kOk);
            std::vector<std::uint8_t> buffer(1500);
            mold::PacketBuilder builder(buffer, mold::payload_limit_for_mtu(1500));
            builder.start(header.session, header.sequence_number);
            for (const auto& m : messages) {
                ASSERT_TRUE(builder.add(m));
            }
            const auto packet = builder.finish();
            EXPECT_EQ(std::vector<std::uint8_t>(packet.begin(), packet.end()),
                      std::vector<std::uint8_t>(frame.payload.begin(), frame.payload.end()));
            // The whole frame: Ethernet, 802.1Q, IPv4 and UDP with both checksums.
            FrameSpec spec;
            spec.source = {frame.ethernet.source, frame.ipv4.header.source,
                           frame.udp.header.source_port};
            spec.destination = {frame.ethernet.destination, frame.ipv4.header.destination,
                                frame.udp.header.destination_port};
            spec.has_vlan = frame.ethernet.has_vlan;
            spec.vlan_tci = frame.ethernet.vlan_tci;
            spec.ttl = frame.ipv4.header.ttl;
            spec.ip_identification = frame.ipv4.header.identification;
            std::vector<std::uint8_t> rebuilt(1600);
            const std::size_t size = build_udp_frame(spec, packet, rebuilt);
            rebuilt.resize(size);
            EXPECT_EQ(rebuilt, std::vector<std::uint8_t>(record.data.begin(), record.data.end()))
                << entry.path();
            ++frames;
        }
    }
    EXPECT_EQ(frames, 9u);
}

TEST(ItchCaptures, AnonymisedCapturesFailStrictChecksumsButDecodeWhenNotVerifying) {
    SKIP_WITHOUT_SHARED_DATA();
    CaptureReader reader;
    ASSERT_EQ(reader.open((kDataDir / "nasdaq-per-type" / "OrderDelete.pcap").string()),
              Status::kOk);
    CaptureRecord record;
    ASSERT_EQ(reader.next(record), Status::kOk);
    ParsedFrame frame;
    // The anonymiser zeroed the addresses and the IPv4 checksum.
    EXPECT_EQ(parse_frame(record.data, frame), Status::kBadChecksum);
    EXPECT_EQ(parse_frame(record.data, frame, ParseOptions{.verify_checksums = false}),
              Status::kOk);
    EXPECT_FALSE(frame.ipv4.checksum_ok);
    EXPECT_EQ(frame.ipv4.header.checksum, 0);
}

}  // namespace
