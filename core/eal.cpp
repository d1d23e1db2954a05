#include "core/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <string_view>
#include <system_error>

#include "core/error.hpp"
#include "core/log.hpp"

namespace tb::core {
namespace {

// DPDK's EAL starts at most once per process, even after rte_eal_cleanup().
std::atomic<bool> g_eal_started{false};

constexpr std::string_view kPrefixStem = "tb";

// True when the user's arguments contain any of the given options, in any of EAL's spellings:
// "--name", "--name=value", "-x", "-xvalue".
bool has_option(const std::vector<std::string>& args,
                std::initializer_list<std::string_view> names) {
    for (const std::string& arg : args) {
        for (const std::string_view name : names) {
            if (arg == name) {
                return true;
            }
            const bool is_long = name.size() > 2 && name[1] == '-';
            if (is_long && arg.size() > name.size() && arg.compare(0, name.size(), name) == 0 &&
                arg[name.size()] == '=') {
                return true;
            }
            if (!is_long && arg.size() > 2 && arg[1] != '-' && arg.compare(0, 2, name) == 0) {
                return true;
            }
        }
    }
    return false;
}

std::string allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::string list;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
            if (CPU_ISSET(cpu, &set)) {
                if (!list.empty()) {
                    list += ',';
                }
                list += std::to_string(cpu);
            }
        }
    }
    return list.empty() ? "0" : list;
}

// Runtime folders named tb<pid> whose process is gone were left by a crash or a kill.
void remove_stale_runtime_dirs(const std::filesystem::path& base) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() <= kPrefixStem.size() ||
            name.compare(0, kPrefixStem.size(), kPrefixStem) != 0) {
            continue;
        }
        const std::string digits = name.substr(kPrefixStem.size());
        if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) {
            continue;
        }
        const pid_t pid = static_cast<pid_t>(std::stol(digits));
        if (kill(pid, 0) != 0 && errno == ESRCH) {
            std::filesystem::remove_all(entry.path(), ec);
        }
    }
}

std::string join(const std::vector<std::string>& args) {
    std::string out;
    for (const std::string& arg : args) {
        if (!out.empty()) {
            out += ' ';
        }
        out += arg;
    }
    return out;
}

}  // namespace

std::vector<std::string> Eal::effective_arguments(const EalOptions& options,
                                                  std::string& file_prefix) {
    const std::vector<std::string>& user = options.args;
    std::vector<std::string> args;
    if (!has_option(user, {"-m", "--socket-mem", "--huge-dir", "--huge-unlink", "--in-memory",
                           "--no-huge"})) {
        args.insert(args.end(), {"--no-huge", "-m", std::to_string(options.memory_mb)});
    }
    if (!has_option(user, {"-a", "--allow", "-b", "--block", "--no-pci"})) {
        args.emplace_back("--no-pci");
    }
    file_prefix.clear();
    if (!has_option(user, {"--file-prefix"})) {
        file_prefix = std::string(kPrefixStem) + std::to_string(getpid());
        args.insert(args.end(), {"--file-prefix", file_prefix});
    }
    if (!has_option(user, {"-l", "-c", "--lcores"})) {
        args.insert(args.end(), {"--lcores", "0@(" + allowed_cpus() + ")"});
    }
    if (!has_option(user, {"--log-level"})) {
        args.emplace_back("--log-level=notice");
    }
    if (!has_option(user, {"--telemetry", "--no-telemetry"})) {
        args.emplace_back("--no-telemetry");
    }
    args.insert(args.end(), user.begin(), user.end());
    return args;
}

Eal::Eal(const EalOptions& options) {
    if (g_eal_started.exchange(true)) {
        throw StartupError(
            "DPDK EAL can start only once per process; create one Eal and keep it for the "
            "process's lifetime");
    }
    arguments_ = effective_arguments(options, file_prefix_);
    own_prefix_ = !file_prefix_.empty();

    std::vector<std::string> storage;
    storage.reserve(arguments_.size() + 1);
    storage.push_back(options.program);
    storage.insert(storage.end(), arguments_.begin(), arguments_.end());
    std::vector<char*> argv;
    for (std::string& arg : storage) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);

    const int parsed = rte_eal_init(static_cast<int>(storage.size()), argv.data());
    if (parsed < 0) {
        const int error = rte_errno;
        throw StartupError("DPDK EAL failed to start (" + std::string(rte_strerror(error)) +
                           ") with arguments: " + join(arguments_) +
                           "; check the EAL arguments given before `--` (see DPDK's EAL "
                           "parameters guide)");
    }
    runtime_dir_ = rte_eal_get_runtime_dir();
    if (parsed + 1 < static_cast<int>(storage.size())) {
        const std::string unexpected = storage[static_cast<std::size_t>(parsed) + 1];
        stop();
        throw StartupError("DPDK EAL did not understand the argument '" + unexpected +
                           "'; program options go after `--`");
    }
    if (own_prefix_) {
        remove_stale_runtime_dirs(std::filesystem::path(runtime_dir_).parent_path());
    }
    TB_LOG_DEBUG("eal", "started with: %s", join(arguments_).c_str());
}

Eal::~Eal() { stop(); }

void Eal::stop() noexcept {
    rte_eal_cleanup();
    if (own_prefix_ && !runtime_dir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(runtime_dir_, ec);
    }
}

CommandLine split_command_line(int argc, const char* const* argv) {
    CommandLine line;
    int separator = -1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--") == 0) {
            separator = i;
            break;
        }
    }
    if (separator < 0) {
        for (int i = 1; i < argc; ++i) {
            line.program_args.emplace_back(argv[i]);
        }
        return line;
    }
    for (int i = 1; i < separator; ++i) {
        line.eal_args.emplace_back(argv[i]);
    }
    for (int i = separator + 1; i < argc; ++i) {
        line.program_args.emplace_back(argv[i]);
    }
    return line;
}

}  // namespace tb::core
