// tickbench-dump as a user runs it: real captures, an ITCH file, a file that is not a capture,
// bad options, and the exit statuses the --help text promises.

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "proto/itch.hpp"
#include "proto/itch_file.hpp"

#ifndef TB_DUMP_BINARY
#error "TB_DUMP_BINARY must name the tickbench-dump binary"
#endif
#ifndef TB_ITCH50_DIR
#error "TB_ITCH50_DIR must name the shared ITCH 5.0 capture folder"
#endif

namespace {

namespace fs = std::filesystem;
using namespace tb::proto;

struct Result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs tickbench-dump with `arguments`; stdout and stderr captured separately.
Result dump(const std::string& arguments) {
    const fs::path err_path =
        fs::temp_directory_path() / ("tb_dump_err_" + std::to_string(::getpid()));
    const std::string command =
        std::string(TB_DUMP_BINARY) + " " + arguments + " 2>'" + err_path.string() + "'";
    Result result;
    std::FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return result;
    }
    char chunk[4096];
    std::size_t got;
    while ((got = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) {
        result.out.append(chunk, got);
    }
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(err_path);
    std::ostringstream text;
    text << err.rdbuf();
    result.err = text.str();
    fs::remove(err_path);
    return result;
}

const fs::path kData = TB_ITCH50_DIR;

TEST(DumpTool, EveryRealCaptureDecodesWithoutError) {
    if (!fs::is_directory(kData / "nasdaq-live")) {
        GTEST_SKIP() << "shared ITCH 5.0 captures not found: looked for " << kData.string();
    }
    std::size_t files = 0;
    for (const char* folder : {"nasdaq-live", "nasdaq-per-type"}) {
        for (const auto& entry : fs::directory_iterator(kData / folder)) {
            // The anonymised per-type captures have UDP port 0.
            const Result r =
                dump("--json --mold-port 26477 --mold-port 0 '" + entry.path().string() + "'");
            EXPECT_EQ(r.exit_code, 0) << entry.path() << "\n" << r.err;
            EXPECT_NE(r.out.find("\"errors\":0"), std::string::npos) << r.out;
            EXPECT_EQ(r.out.find("\"messages\":0,"), std::string::npos) << entry.path();
            std::istringstream lines(r.out);
            for (std::string line; std::getline(lines, line);) {
                EXPECT_EQ(line.front(), '{');
                EXPECT_EQ(line.back(), '}');
            }
            ++files;
        }
    }
    EXPECT_EQ(files, 23u);
    const Result multiple =
        dump("'" + (kData / "nasdaq-live" / "Multiple.Packets.pcap").string() + "'");
    EXPECT_NE(multiple.out.find("summary: 2 frames, 39 messages, 0 errors"), std::string::npos);
    EXPECT_NE(multiple.out.find("itch A Add Order: 36"), std::string::npos);
    EXPECT_NE(multiple.out.find("itch F Add Order with MPID Attribution: 2"), std::string::npos);
}

TEST(DumpTool, ItchFilesAreRecognisedAndDecoded) {
    const fs::path path =
        fs::temp_directory_path() / ("tb_dump_" + std::to_string(::getpid()) + ".itch");
    {
        itch::FileWriter writer;
        ASSERT_EQ(writer.open(path.string()), Status::kOk);
        itch::SystemEvent start;
        start.event_code = itch::EventCode::kStartOfMessages;
        ASSERT_EQ(writer.write_message(start), Status::kOk);
        itch::AddOrder add;
        add.stock = Alpha<8>::left("AAPL");
        add.price = 1'000'000;
        for (int i = 0; i < 10; ++i) {
            add.order_reference_number = static_cast<std::uint64_t>(i);
            ASSERT_EQ(writer.write_message(add), Status::kOk);
        }
        ASSERT_EQ(writer.close(), Status::kOk);
    }
    const Result r = dump("'" + path.string() + "'");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("message=11 offset="), std::string::npos);
    EXPECT_NE(r.out.find("price=100.0000"), std::string::npos);
    EXPECT_NE(r.out.find("itch A Add Order: 10"), std::string::npos);
    fs::remove(path);
}

TEST(DumpTool, AFileThatIsNotACaptureGetsOneClearLineAndExitStatus1) {
    const fs::path path =
        fs::temp_directory_path() / ("tb_dump_" + std::to_string(::getpid()) + ".txt");
    {
        std::ofstream out(path);
        out << "this is a text file, not a capture\n";
    }
    const Result r = dump("'" + path.string() + "'");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("is not a pcap/pcapng capture or an ITCH 5.0 file"), std::string::npos)
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
    EXPECT_EQ(r.out, "");
    fs::remove(path);

    const Result missing = dump("/nonexistent/capture.pcap");
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("cannot open"), std::string::npos);
}

TEST(DumpTool, BadOptionsExitWithStatus2AndHelpWith0) {
    EXPECT_EQ(dump("--no-such-option x").exit_code, 2);
    EXPECT_EQ(dump("").exit_code, 2);
    EXPECT_EQ(dump("--format xml x").exit_code, 2);
    EXPECT_EQ(dump("--mold-port 70000 x").exit_code, 2);
    const Result help = dump("--help");
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("Usage: tickbench-dump"), std::string::npos);
}

}  // namespace
