// tickbench-dump: decodes a pcap/pcapng capture or a Nasdaq ITCH 5.0 file into one line per
// message (text, or JSON lines with --json), then a summary of message counts by type.

#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "proto/capture.hpp"
#include "proto/dump.hpp"
#include "proto/itch.hpp"
#include "proto/itch_file.hpp"

namespace po = boost::program_options;
using namespace tb::core;
using namespace tb::proto;

namespace {

constexpr const char* kUsage = R"(Usage: tickbench-dump [options] FILE

Decodes FILE and prints one line per message with its frame number and every field, then a
summary of message counts by type. FILE is a capture (classic pcap with microsecond or
nanosecond timestamps, or pcapng) or a Nasdaq ITCH 5.0 file (each message preceded by a 2-byte
big-endian length). In captures:
  UDP to or from a --mold-port      MoldUDP64 packets carrying ITCH 5.0
  UDP to a --mold-request-port      MoldUDP64 retransmission requests
  TCP to or from a --soup-port      SoupBinTCP carrying OUCH 4.2 (reassembled per direction)
Other frames get one line each. Checksums are verified and reported (checksum_ok=false), not
enforced.

Example:
  tickbench-dump --json --mold-port 26477 feed.pcap

Exit status: 0 every frame and message decoded, 1 the file could not be read or something in it
did not decode (see the error= lines), 2 bad options.

Options)";

struct Settings {
    std::string path;
    std::string format = "auto";
    DumpOptions dump;
    bool summary = true;
};

std::set<std::uint16_t> ports(const po::variables_map& vm, const char* name) {
    std::set<std::uint16_t> result;
    for (const unsigned port : vm[name].as<std::vector<unsigned>>()) {
        if (port > 65535) {
            throw ConfigError(std::string("--") + name + " " + std::to_string(port) +
                              " is not a port number (0..65535)");
        }
        result.insert(static_cast<std::uint16_t>(port));
    }
    return result;
}

std::optional<Settings> parse(int argc, char** argv) {
    po::options_description described(kUsage);
    described.add_options()("help,h", "print this help and exit")(
        "json", "print JSON lines instead of text")("format",
                                                    po::value<std::string>()->default_value("auto"),
                                                    "auto, pcap (pcap or pcapng) or itch")(
        "mold-port", po::value<std::vector<unsigned>>()->default_value({26477}, "26477"),
        "UDP port of MoldUDP64/ITCH (repeatable)")(
        "mold-request-port", po::value<std::vector<unsigned>>()->default_value({26478}, "26478"),
        "UDP port of MoldUDP64 retransmission requests (repeatable)")(
        "soup-port", po::value<std::vector<unsigned>>()->default_value({15000}, "15000"),
        "TCP port of SoupBinTCP/OUCH (repeatable)")("no-summary", "do not print the summary");
    po::options_description hidden;
    hidden.add_options()("file", po::value<std::string>());
    po::options_description all;
    all.add(described).add(hidden);
    po::positional_options_description positional;
    positional.add("file", 1);
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help") != 0) {
        std::cout << described << '\n';
        return std::nullopt;
    }
    if (vm.count("file") == 0) {
        throw ConfigError("no FILE given");
    }
    Settings s;
    s.path = vm["file"].as<std::string>();
    s.format = vm["format"].as<std::string>();
    if (s.format != "auto" && s.format != "pcap" && s.format != "itch") {
        throw ConfigError("--format '" + s.format + "' is not one of auto, pcap, itch");
    }
    s.dump.json = vm.count("json") != 0;
    s.dump.mold_ports = ports(vm, "mold-port");
    s.dump.mold_request_ports = ports(vm, "mold-request-port");
    s.dump.soup_ports = ports(vm, "soup-port");
    s.summary = vm.count("no-summary") == 0;
    return s;
}

// True when the file starts like an ITCH 5.0 file: its first messages have a known type and
// exactly the length that type needs.
bool looks_like_itch(const std::string& path) {
    itch::FileReader reader;
    if (reader.open(path, 1u << 16) != Status::kOk) {
        return false;
    }
    std::span<const std::uint8_t> message;
    int checked = 0;
    for (; checked < 4; ++checked) {
        const Status status = reader.next(message);
        if (status == Status::kEnd) {
            break;
        }
        if (status != Status::kOk ||
            itch::message_size(static_cast<char>(message[0])) != message.size()) {
            return false;
        }
    }
    return checked > 0;
}

int dump_capture(const Settings& s, Dumper& dumper) {
    CaptureReader reader;
    if (reader.open(s.path) != Status::kOk) {
        throw StartupError(reader.error());
    }
    CaptureRecord record;
    for (;;) {
        const Status status = reader.next(record);
        if (status == Status::kEnd) {
            break;
        }
        if (status != Status::kOk) {
            dumper.input_error(s.path + ": " + reader.error());
            break;
        }
        dumper.capture_record(record);
    }
    return 0;
}

int dump_itch(const Settings& s, Dumper& dumper) {
    itch::FileReader reader;
    if (reader.open(s.path) != Status::kOk) {
        throw StartupError(reader.error());
    }
    std::span<const std::uint8_t> message;
    for (;;) {
        const Status status = reader.next(message);
        if (status == Status::kEnd) {
            break;
        }
        if (status != Status::kOk) {
            dumper.input_error(s.path + ": " + reader.error());
            break;
        }
        dumper.itch_file_message(reader.count(), reader.offset(), message);
    }
    return 0;
}

int run(const Settings& s) {
    std::FILE* probe = std::fopen(s.path.c_str(), "rb");
    if (probe == nullptr) {
        throw StartupError("cannot open " + s.path);
    }
    std::uint8_t head[4] = {};
    const std::size_t got = std::fread(head, 1, sizeof head, probe);
    std::fclose(probe);
    const bool capture =
        sniff_capture_format(std::span<const std::uint8_t>(head, got)) != CaptureFormat::kUnknown;
    bool itch_file = false;
    if (s.format == "pcap") {
        if (!capture) {
            throw StartupError(s.path + " is not a pcap or pcapng capture (unknown magic number)");
        }
    } else if (s.format == "itch") {
        itch_file = true;
    } else if (!capture) {
        if (!looks_like_itch(s.path)) {
            throw StartupError(s.path +
                               " is not a pcap/pcapng capture or an ITCH 5.0 file (use --format "
                               "itch to force reading it as ITCH)");
        }
        itch_file = true;
    }
    std::ios::sync_with_stdio(false);
    Dumper dumper(s.dump, std::cout);
    if (itch_file) {
        dump_itch(s, dumper);
    } else {
        dump_capture(s, dumper);
    }
    if (s.summary) {
        dumper.summary();
    }
    std::cout.flush();
    return dumper.errors() == 0 ? kExitOk : kExitStartup;
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<Settings> settings;
    try {
        settings = parse(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tickbench-dump: %s (see --help)\n", e.what());
        return kExitConfig;
    }
    if (!settings) {
        return kExitOk;
    }
    try {
        return run(*settings);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tickbench-dump: %s\n", e.what());
        return kExitStartup;
    }
}
