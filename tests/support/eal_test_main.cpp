// main() for test binaries that use DPDK: EAL starts once per process, before the tests, with
// tickbench's defaults (no hugepages, no PCI, own file prefix). Arguments before `--` go to
// GoogleTest, arguments after it to EAL.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/eal.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> eal_args;
    int gtest_argc = argc;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--") == 0) {
            gtest_argc = i;
            for (int j = i + 1; j < argc; ++j) {
                eal_args.emplace_back(argv[j]);
            }
            break;
        }
    }
    ::testing::InitGoogleTest(&gtest_argc, argv);
    std::unique_ptr<tb::core::Eal> eal;
    try {
        eal = std::make_unique<tb::core::Eal>(
            tb::core::EalOptions{.args = eal_args, .program = argv[0], .memory_mb = 512});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cannot start DPDK for the tests: %s\n", e.what());
        return 1;
    }
    const int result = RUN_ALL_TESTS();
    eal.reset();
    return result;
}
