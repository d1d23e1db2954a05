// Replay driver for fuzz targets built without libFuzzer (see tb_add_fuzz in
// cmake/TbHelpers.cmake).
//
// Feeds LLVMFuzzerTestOneInput, under the default test build's sanitizers:
//  1. every file given on the command line (files, or folders of files) as it is, every prefix
//     of it (each truncation), and seeded mutations of it (bit flips, byte overwrites, cuts);
//  2. seeded random inputs of random lengths.
// The inputs depend only on the seed, so a failure reproduces. Environment: TB_FUZZ_RUNS
// (random inputs, default 200000), TB_FUZZ_SEED (default 1).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/random.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

constexpr std::size_t kMaxRandomSize = 1500;
constexpr int kMutationsPerFile = 200;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    return text == nullptr ? fallback : std::strtoull(text, nullptr, 10);
}

void run(const std::vector<std::uint8_t>& input) {
    // A copy of exactly the input's size, so that reading past the end is caught.
    std::vector<std::uint8_t> exact(input.begin(), input.end());
    LLVMFuzzerTestOneInput(exact.empty() ? nullptr : exact.data(), exact.size());
}

void replay_file(const std::filesystem::path& path, tb::core::Rng& rng, std::uint64_t& inputs) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                          std::istreambuf_iterator<char>());
    run(bytes);
    ++inputs;
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
        run(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(cut)));
        ++inputs;
    }
    if (bytes.empty()) {
        return;
    }
    for (int i = 0; i < kMutationsPerFile; ++i) {
        std::vector<std::uint8_t> mutated = bytes;
        const int edits = 1 + static_cast<int>(rng.below(4));
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = rng.below(mutated.size());
            switch (rng.below(3)) {
                case 0:
                    mutated[at] ^= static_cast<std::uint8_t>(1U << rng.below(8));
                    break;
                case 1:
                    mutated[at] = static_cast<std::uint8_t>(rng.next());
                    break;
                default:
                    mutated.resize(at);
                    break;
            }
            if (mutated.empty()) {
                break;
            }
        }
        run(mutated);
        ++inputs;
    }
}

}  // namespace

int main(int argc, char** argv) {
    tb::core::Rng rng(env_number("TB_FUZZ_SEED", 1));
    std::uint64_t inputs = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path path(argv[i]);
        if (std::filesystem::is_directory(path)) {
            std::vector<std::filesystem::path> files;
            for (const auto& entry : std::filesystem::directory_iterator(path)) {
                if (entry.is_regular_file()) {
                    files.push_back(entry.path());
                }
            }
            std::sort(files.begin(), files.end());  // a stable order for reproducible runs
            for (const auto& file : files) {
                replay_file(file, rng, inputs);
            }
        } else if (std::filesystem::is_regular_file(path)) {
            replay_file(path, rng, inputs);
        } else {
            std::fprintf(stderr, "fuzz driver: %s is neither a file nor a folder; skipped\n",
                         argv[i]);
        }
    }
    const std::uint64_t runs = env_number("TB_FUZZ_RUNS", 200000);
    std::vector<std::uint8_t> input;
    for (std::uint64_t r = 0; r < runs; ++r) {
        input.resize(rng.below(kMaxRandomSize + 1));
        for (auto& byte : input) {
            byte = static_cast<std::uint8_t>(rng.next());
        }
        run(input);
        ++inputs;
    }
    std::printf("fuzz driver: %llu inputs, no crash\n", static_cast<unsigned long long>(inputs));
    return 0;
}
