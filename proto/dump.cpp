#include "proto/dump.hpp"

#include <cstdio>

#include "proto/frame.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"
#include "proto/ouch.hpp"

namespace tb::proto {

std::string format_price(std::uint64_t raw, int decimals) {
    std::uint64_t scale = 1;
    for (int i = 0; i < decimals; ++i) {
        scale *= 10;
    }
    char text[48];
    std::snprintf(text, sizeof text, "%llu.%0*llu", static_cast<unsigned long long>(raw / scale),
                  decimals, static_cast<unsigned long long>(raw % scale));
    return text;
}

std::string format_time_of_day(std::uint64_t ns) {
    const std::uint64_t seconds = ns / 1'000'000'000;
    char text[48];
    std::snprintf(text, sizeof text, "%02llu:%02llu:%02llu.%09llu",
                  static_cast<unsigned long long>(seconds / 3600),
                  static_cast<unsigned long long>(seconds / 60 % 60),
                  static_cast<unsigned long long>(seconds % 60),
                  static_cast<unsigned long long>(ns % 1'000'000'000));
    return text;
}

// One output line: `key=value ...` or a JSON object. Copied to make a line per message from a
// frame's common prefix.
class Dumper::Line {
public:
    explicit Line(bool json) : json_(json) {}

    void number(std::string_view key, std::uint64_t value) { literal(key, std::to_string(value)); }
    // A value printed bare in both forms (a number with decimals, true/false).
    void literal(std::string_view key, std::string_view value) {
        separator();
        if (json_) {
            quoted(key);
            body_ += ':';
        } else {
            body_.append(key);
            body_ += '=';
        }
        body_.append(value);
    }
    void string(std::string_view key, std::string_view value) {
        separator();
        if (json_) {
            quoted(key);
            body_ += ':';
            quoted(value);
        } else {
            body_.append(key);
            body_ += '=';
            if (needs_quotes(value)) {
                quoted(value);
            } else {
                body_.append(value);
            }
        }
    }
    [[nodiscard]] std::string finish() const { return json_ ? "{" + body_ + "}" : body_; }

private:
    static bool needs_quotes(std::string_view value) {
        if (value.empty()) {
            return true;
        }
        for (const char c : value) {
            if (c == ' ' || c == '"' || c == '\\' || c == '=' ||
                static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7E) {
                return true;
            }
        }
        return false;
    }
    void separator() {
        if (!body_.empty()) {
            body_ += json_ ? ',' : ' ';
        }
    }
    void quoted(std::string_view value) {
        body_ += '"';
        for (const char c : value) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                body_ += '\\';
                body_ += c;
            } else if (u < 0x20 || u > 0x7E) {
                char escape[8];
                std::snprintf(escape, sizeof escape, "\\u%04x", u);
                body_ += escape;
            } else {
                body_ += c;
            }
        }
        body_ += '"';
    }

    bool json_;
    std::string body_;
};

namespace {

// Adds every field of a decoded message to a line.
template <class M>
void add_fields(auto& line, bool json, const M& message) {
    visit_fields(message, [&](std::string_view name, const FieldValue& value) {
        switch (value.kind) {
            case FieldKind::kUnsigned:
                line.number(name, value.number);
                break;
            case FieldKind::kTimestamp:
                if (json) {
                    line.number(name, value.number);
                } else {
                    line.literal(name, format_time_of_day(value.number));
                }
                break;
            case FieldKind::kPrice4:
                line.literal(name, format_price(value.number, 4));
                break;
            case FieldKind::kPrice8:
                line.literal(name, format_price(value.number, 8));
                break;
            case FieldKind::kAlpha: {
                std::string_view text = value.text;
                while (!text.empty() && text.back() == ' ') {
                    text.remove_suffix(1);
                }
                line.string(name, text);
                break;
            }
            case FieldKind::kCode:
                line.string(name, value.text);
                break;
        }
    });
}

std::string type_string(char type) {
    return std::string(1, type);
}

}  // namespace

Dumper::Dumper(DumpOptions options, std::ostream& out) : options_(std::move(options)), out_(out) {}

void Dumper::emit(Line& line) {
    out_ << line.finish() << '\n';
}

void Dumper::count(const std::string& key) {
    ++counts_[key];
}

void Dumper::error_line(Line& line, const std::string& what) {
    ++errors_;
    line.string("error", what);
    emit(line);
}

void Dumper::input_error(const std::string& message) {
    Line line(options_.json);
    error_line(line, message);
}

void Dumper::itch_file_message(std::uint64_t index, std::uint64_t offset,
                               std::span<const std::uint8_t> message) {
    Line line(options_.json);
    line.number("message", index);
    line.number("offset", offset);
    line.string("protocol", "itch");
    bool delivered = false;
    const Status status = itch::decode(message, [&](const auto& m) {
        using M = std::remove_cvref_t<decltype(m)>;
        delivered = true;
        ++messages_;
        count("itch " + type_string(M::kType) + " " + std::string(M::kName));
        line.string("type", type_string(M::kType));
        line.string("name", M::kName);
        add_fields(line, options_.json, m);
        emit(line);
    });
    if (status != Status::kOk || !delivered) {
        if (!message.empty()) {
            line.string("type", type_string(static_cast<char>(message[0])));
        }
        line.number("length", message.size());
        error_line(line, "itch: " + std::string(to_string(status)));
    }
}

void Dumper::capture_record(const CaptureRecord& record) {
    ++frames_;
    Line line(options_.json);
    line.number("frame", record.number);
    line.number("time_ns", static_cast<std::uint64_t>(record.timestamp_ns));
    if (record.interface_id != 0) {
        line.number("interface", record.interface_id);
    }
    if (record.direction != CaptureDirection::kUnknown) {
        line.string("direction", record.direction == CaptureDirection::kInbound ? "in" : "out");
    }
    if (record.link_type != kLinkTypeEthernet) {
        count("frame other link type");
        line.number("link_type", record.link_type);
        emit(line);
        return;
    }
    ParsedFrame frame;
    const Status status = parse_frame(record.data, frame, ParseOptions{.verify_checksums = false});
    if (frame.ethernet.has_vlan) {
        line.number("vlan", frame.ethernet.vlan_id());
    }
    if (status != Status::kOk) {
        line.number("length", record.data.size());
        error_line(line, "frame: " + std::string(to_string(status)));
        return;
    }
    if (!frame.checksums_ok()) {
        line.literal("checksum_ok", "false");
    }
    if (frame.layer3 == Layer3::kArp) {
        count("arp");
        line.string("protocol", "arp");
        line.number("operation", frame.arp.operation);
        line.string("sender_ip", format_ipv4(frame.arp.sender_ip));
        line.string("sender_mac", format_mac(frame.arp.sender_mac));
        line.string("target_ip", format_ipv4(frame.arp.target_ip));
        emit(line);
        return;
    }
    if (frame.layer3 != Layer3::kIpv4) {
        count("frame other ether type");
        line.number("ether_type", frame.ethernet.ether_type);
        emit(line);
        return;
    }
    const Ipv4Header& ip = frame.ipv4.header;
    switch (frame.layer4) {
        case Layer4::kIcmp:
            count("icmp echo");
            line.string("protocol", "icmp");
            line.string("src", format_ipv4(ip.source));
            line.string("dst", format_ipv4(ip.destination));
            line.string("icmp",
                        frame.icmp.type == kIcmpEchoRequest ? "echo request" : "echo reply");
            line.number("id", frame.icmp.identifier);
            line.number("seq", frame.icmp.sequence);
            emit(line);
            return;
        case Layer4::kUdp: {
            const UdpHeader& udp = frame.udp.header;
            line.string("src", format_ipv4(ip.source) + ":" + std::to_string(udp.source_port));
            line.string("dst",
                        format_ipv4(ip.destination) + ":" + std::to_string(udp.destination_port));
            udp_payload(line, udp.source_port, udp.destination_port, frame.payload);
            return;
        }
        case Layer4::kTcp: {
            const TcpHeader& tcp = frame.tcp.header;
            line.string("src", format_ipv4(ip.source) + ":" + std::to_string(tcp.source_port));
            line.string("dst",
                        format_ipv4(ip.destination) + ":" + std::to_string(tcp.destination_port));
            tcp_segment(line,
                        FlowKey{ip.source, tcp.source_port, ip.destination, tcp.destination_port},
                        tcp.sequence_number, tcp.flags, frame.payload);
            return;
        }
        case Layer4::kNone:
            break;
    }
    count("ipv4 other");
    line.string("src", format_ipv4(ip.source));
    line.string("dst", format_ipv4(ip.destination));
    line.number("ip_protocol", ip.protocol);
    emit(line);
}

void Dumper::udp_payload(Line& prefix, std::uint16_t source_port, std::uint16_t destination_port,
                         std::span<const std::uint8_t> payload) {
    if (options_.mold_request_ports.count(destination_port) != 0) {
        mold::RetransmissionRequest request;
        prefix.string("protocol", "moldudp64");
        const Status status = mold::parse_request(payload, request);
        if (status != Status::kOk) {
            error_line(prefix, "moldudp64 request: " + std::string(to_string(status)));
            return;
        }
        count("moldudp64 retransmission request");
        prefix.string("packet", "retransmission request");
        prefix.string("session", request.session.trimmed());
        prefix.number("sequence", request.sequence_number);
        prefix.number("requested_count", request.requested_count);
        emit(prefix);
        return;
    }
    if (options_.mold_ports.count(destination_port) == 0 &&
        options_.mold_ports.count(source_port) == 0) {
        count("udp other");
        prefix.string("protocol", "udp");
        prefix.number("length", payload.size());
        emit(prefix);
        return;
    }
    mold_packet(prefix, payload);
}

void Dumper::mold_packet(const Line& frame_line, std::span<const std::uint8_t> payload) {
    Line prefix = frame_line;
    mold::Header header;
    const Status status = mold::validate_packet(payload, header);
    if (status != Status::kOk) {
        prefix.string("protocol", "moldudp64");
        error_line(prefix, "moldudp64: " + std::string(to_string(status)));
        return;
    }
    prefix.string("session", header.session.trimmed());
    if (header.kind() != mold::PacketKind::kData) {
        const bool heartbeat = header.kind() == mold::PacketKind::kHeartbeat;
        count(heartbeat ? "moldudp64 heartbeat" : "moldudp64 end of session");
        prefix.string("protocol", "moldudp64");
        prefix.string("packet", heartbeat ? "heartbeat" : "end of session");
        prefix.number("sequence", header.sequence_number);
        emit(prefix);
        return;
    }
    prefix.number("count", header.message_count);
    std::uint16_t index = 0;
    (void)mold::for_each_message(
        payload, header, [&](std::uint64_t sequence, std::span<const std::uint8_t> message) {
            Line line = prefix;
            line.number("index", ++index);
            line.number("sequence", sequence);
            line.string("protocol", "itch");
            bool delivered = false;
            const Status decoded = itch::decode(message, [&](const auto& m) {
                using M = std::remove_cvref_t<decltype(m)>;
                delivered = true;
                ++messages_;
                count("itch " + type_string(M::kType) + " " + std::string(M::kName));
                line.string("type", type_string(M::kType));
                line.string("name", M::kName);
                add_fields(line, options_.json, m);
                emit(line);
            });
            if (decoded != Status::kOk || !delivered) {
                if (!message.empty()) {
                    line.string("type", type_string(static_cast<char>(message[0])));
                }
                line.number("length", message.size());
                error_line(line, "itch: " + std::string(to_string(decoded)));
            }
        });
}

void Dumper::tcp_segment(Line& prefix, const FlowKey& key, std::uint32_t sequence,
                         std::uint8_t flags, std::span<const std::uint8_t> payload) {
    const bool soup = options_.soup_ports.count(std::get<1>(key)) != 0 ||
                      options_.soup_ports.count(std::get<3>(key)) != 0;
    if (!soup || payload.empty()) {
        std::string names;
        static constexpr std::pair<std::uint8_t, char> kFlags[] = {
            {kTcpSyn, 'S'}, {kTcpAck, 'A'}, {kTcpFin, 'F'}, {kTcpRst, 'R'},
            {kTcpPsh, 'P'}, {kTcpUrg, 'U'}, {kTcpEce, 'E'}, {kTcpCwr, 'C'}};
        for (const auto& [bit, letter] : kFlags) {
            if ((flags & bit) != 0) {
                names += letter;
            }
        }
        count(soup ? "tcp control" : "tcp other");
        prefix.string("protocol", "tcp");
        prefix.string("flags", names);
        prefix.number("seq", sequence);
        prefix.number("length", payload.size());
        emit(prefix);
        if (soup && (flags & kTcpSyn) != 0) {
            Flow& flow = flows_[key];
            flow.framer = soup::Framer(options_.soup_max_packet);
            flow.synced = true;
            flow.next_sequence = sequence + 1;
        }
        return;
    }
    Flow& flow =
        flows_.try_emplace(key, Flow{soup::Framer(options_.soup_max_packet)}).first->second;
    if (!flow.synced) {
        flow.synced = true;
        flow.next_sequence = sequence;
    }
    // Sequence arithmetic modulo 2^32 (RFC 9293 section 3.4).
    const auto offset = static_cast<std::int32_t>(sequence - flow.next_sequence);
    if (offset > 0) {
        Line gap = prefix;
        gap.string("protocol", "soupbintcp");
        error_line(gap, "tcp: " + std::to_string(offset) +
                            " bytes missing from the capture; stream restarted");
        flow.framer.reset();
        flow.next_sequence = sequence;
    } else if (offset < 0) {
        const auto duplicate = static_cast<std::size_t>(-static_cast<std::int64_t>(offset));
        if (duplicate >= payload.size()) {
            count("tcp retransmission");
            prefix.string("protocol", "tcp");
            prefix.string("note", "retransmission");
            prefix.number("seq", sequence);
            prefix.number("length", payload.size());
            emit(prefix);
            return;
        }
        payload = payload.subspan(duplicate);
    }
    flow.next_sequence += static_cast<std::uint32_t>(payload.size());
    const Status status = flow.framer.feed(
        payload, [&](std::span<const std::uint8_t> packet) { soup_packet(prefix, packet); });
    if (status != Status::kOk) {
        prefix.string("protocol", "soupbintcp");
        error_line(prefix, "soupbintcp: packet length 0 or above the maximum; stream abandoned");
    }
}

void Dumper::soup_packet(const Line& frame_line, std::span<const std::uint8_t> bytes) {
    Line line = frame_line;
    soup::Packet packet;
    Status status = soup::parse_packet(bytes, packet);
    const bool data = status == Status::kOk && (packet.type == soup::PacketType::kSequencedData ||
                                                packet.type == soup::PacketType::kUnsequencedData);
    line.string("protocol", data ? "ouch" : "soupbintcp");
    if (status != Status::kOk) {
        if (bytes.size() >= 3) {
            line.string("packet_type", type_string(static_cast<char>(bytes[2])));
        }
        error_line(line, "soupbintcp: " + std::string(to_string(status)));
        return;
    }
    const std::string type_name(soup::packet_type_name(packet.type));
    line.string("packet_type", type_string(static_cast<char>(packet.type)));
    line.string("packet", type_name);
    switch (packet.type) {
        case soup::PacketType::kLoginRequest: {
            soup::LoginRequest request;
            status = soup::decode_login_request(packet.payload, request);
            if (status == Status::kOk) {
                line.string("username", request.username.trimmed());
                line.string("password", request.password.trimmed());
                line.string("requested_session", request.requested_session.trimmed());
                line.number("requested_sequence_number", request.requested_sequence_number);
            }
            break;
        }
        case soup::PacketType::kLoginAccepted: {
            soup::LoginAccepted accepted;
            status = soup::decode_login_accepted(packet.payload, accepted);
            if (status == Status::kOk) {
                line.string("session", accepted.session.trimmed());
                line.number("sequence_number", accepted.sequence_number);
            }
            break;
        }
        case soup::PacketType::kLoginRejected: {
            soup::RejectReason reason;
            status = soup::decode_login_rejected(packet.payload, reason);
            if (status == Status::kOk) {
                line.string("reject_reason_code", type_string(static_cast<char>(reason)));
            }
            break;
        }
        case soup::PacketType::kDebug:
            line.string("text",
                        std::string_view(reinterpret_cast<const char*>(packet.payload.data()),
                                         packet.payload.size()));
            break;
        case soup::PacketType::kSequencedData:
        case soup::PacketType::kUnsequencedData: {
            const bool outbound = packet.type == soup::PacketType::kSequencedData;
            bool delivered = false;
            auto on_message = [&](const auto& m) {
                using M = std::remove_cvref_t<decltype(m)>;
                delivered = true;
                ++messages_;
                count(std::string(outbound ? "ouch out " : "ouch in ") + type_string(M::kType) +
                      " " + std::string(M::kName));
                line.string("type", type_string(M::kType));
                line.string("name", M::kName);
                add_fields(line, options_.json, m);
                emit(line);
            };
            const Status decoded = outbound ? ouch::decode_outbound(packet.payload, on_message)
                                            : ouch::decode_inbound(packet.payload, on_message);
            if (decoded != Status::kOk || !delivered) {
                if (!packet.payload.empty()) {
                    line.string("type", type_string(static_cast<char>(packet.payload[0])));
                }
                line.number("length", packet.payload.size());
                error_line(line, "ouch: " + std::string(to_string(decoded)));
            }
            return;
        }
        case soup::PacketType::kServerHeartbeat:
        case soup::PacketType::kEndOfSession:
        case soup::PacketType::kClientHeartbeat:
        case soup::PacketType::kLogoutRequest:
            break;
    }
    if (status != Status::kOk) {
        error_line(line, "soupbintcp: " + std::string(to_string(status)));
        return;
    }
    count("soupbintcp " + type_string(static_cast<char>(packet.type)) + " " + type_name);
    emit(line);
}

void Dumper::summary() {
    if (options_.json) {
        Line line(true);
        line.number("frames", frames_);
        line.number("messages", messages_);
        line.number("errors", errors_);
        std::string by_type = "{";
        for (const auto& [key, value] : counts_) {
            Line entry(true);
            entry.number(key, value);
            const std::string text = entry.finish();
            if (by_type.size() > 1) {
                by_type += ',';
            }
            by_type += text.substr(1, text.size() - 2);
        }
        by_type += '}';
        line.literal("by_type", by_type);
        out_ << "{\"summary\":" << line.finish() << "}\n";
        return;
    }
    out_ << "summary: " << frames_ << " frames, " << messages_ << " messages, " << errors_
         << " errors\n";
    for (const auto& [key, value] : counts_) {
        out_ << "  " << key << ": " << value << '\n';
    }
}

}  // namespace tb::proto
