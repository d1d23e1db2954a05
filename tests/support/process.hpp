#pragma once

// Child processes for tests that run tickbench binaries against each other: spawned with their
// output in files, waited for with a bound, killed by the test that started them.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tb::test {

class Process {
public:
    // Starts `argv` (argv[0] is the binary path) with stdout and stderr in the given files.
    Process(const std::vector<std::string>& argv, const std::string& stdout_path,
            const std::string& stderr_path);
    ~Process();  // kills the process if it is still running
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    // Exit status once it ended within `timeout`: the exit code, or 128 + signal number.
    [[nodiscard]] std::optional<int> wait_for(std::chrono::milliseconds timeout);
    void kill(int signal_number) noexcept;
    [[nodiscard]] bool running();

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

// A shell command's exit code (-1 when it did not exit normally) and its standard output.
struct CommandResult {
    int exit_code = -1;
    std::string output;
};
[[nodiscard]] CommandResult run_command(const std::string& command);

// Whether `name` is a command on PATH (tshark, dpdk-testpmd, ...).
[[nodiscard]] bool have_command(const std::string& name);

// CPU placement for two-process benchmarks: the first two CPUs this process may use (the same
// one twice when there is only one), to be read before EAL pins the process (a spawned peer
// inherits that pin, so it is told its CPU).
[[nodiscard]] std::pair<int, int> two_cpus();

// Pins the calling thread to `cpu` when the process may use it; otherwise leaves it alone.
void pin_to(int cpu);

// The whole content of a file ("" when it cannot be read).
[[nodiscard]] std::string read_file(const std::string& path);

// Polls `path` until it contains `text` or `timeout` passed.
[[nodiscard]] bool wait_for_text(const std::string& path, const std::string& text,
                                 std::chrono::milliseconds timeout);

// A fresh folder under /tmp for one test's sockets and logs, removed with everything in it.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

}  // namespace tb::test
