#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/eal.hpp"

namespace tb::core {
namespace {

bool contains(const std::vector<std::string>& args, const std::string& arg) {
    return std::find(args.begin(), args.end(), arg) != args.end();
}

TEST(EalArguments, DefaultsRunWithoutHugepagesOrPci) {
    std::string prefix;
    const std::vector<std::string> args = Eal::effective_arguments(EalOptions{}, prefix);
    EXPECT_TRUE(contains(args, "--no-huge"));
    EXPECT_TRUE(contains(args, "-m"));
    EXPECT_TRUE(contains(args, "256"));
    EXPECT_TRUE(contains(args, "--no-pci"));
    EXPECT_TRUE(contains(args, "--file-prefix"));
    EXPECT_TRUE(contains(args, prefix));
    EXPECT_EQ(prefix.rfind("tb", 0), 0U);
    EXPECT_TRUE(contains(args, "--lcores"));
    EXPECT_TRUE(contains(args, "--no-telemetry"));
}

TEST(EalArguments, UserArgumentsPassThroughAndSuppressTheirDefaults) {
    EalOptions options;
    options.args = {"-l",
                    "1",
                    "--socket-mem=512",
                    "-a",
                    "0000:3b:00.0",
                    "--file-prefix=mine",
                    "--log-level=debug",
                    "--vdev",
                    "net_tap0"};
    std::string prefix;
    const std::vector<std::string> args = Eal::effective_arguments(options, prefix);
    EXPECT_FALSE(contains(args, "--no-huge"));
    EXPECT_FALSE(contains(args, "--no-pci"));
    EXPECT_FALSE(contains(args, "--file-prefix"));
    EXPECT_FALSE(contains(args, "--lcores"));
    EXPECT_FALSE(contains(args, "--log-level=notice"));
    EXPECT_TRUE(prefix.empty());
    // The user's arguments come last and unchanged.
    ASSERT_GE(args.size(), options.args.size());
    EXPECT_TRUE(std::equal(options.args.begin(), options.args.end(),
                           args.end() - static_cast<long>(options.args.size())));
}

TEST(EalArguments, ShortOptionsWithAttachedValuesCount) {
    EalOptions options;
    options.args = {"-l0", "-m512"};
    std::string prefix;
    const std::vector<std::string> args = Eal::effective_arguments(options, prefix);
    EXPECT_FALSE(contains(args, "--lcores"));
    EXPECT_FALSE(contains(args, "--no-huge"));
    EXPECT_TRUE(contains(args, "--no-pci")) << "-m says nothing about PCI";
}

TEST(CommandLine, SplitsEalArgumentsFromProgramOptionsAtDoubleDash) {
    const char* argv[] = {"prog", "-l", "0", "--", "--port", "ring:a", "--", "x"};
    const CommandLine line = split_command_line(8, argv);
    EXPECT_EQ(line.eal_args, (std::vector<std::string>{"-l", "0"}));
    EXPECT_EQ(line.program_args, (std::vector<std::string>{"--port", "ring:a", "--", "x"}));
}

TEST(CommandLine, WithoutDoubleDashEverythingIsAProgramOption) {
    const char* argv[] = {"prog", "--help"};
    const CommandLine line = split_command_line(2, argv);
    EXPECT_TRUE(line.eal_args.empty());
    EXPECT_EQ(line.program_args, (std::vector<std::string>{"--help"}));
}

}  // namespace
}  // namespace tb::core
