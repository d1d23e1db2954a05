#pragma once

// RAII start-up of DPDK's Environment Abstraction Layer.
//
// The user's EAL arguments are passed through untouched. Defaults are added only where the user
// said nothing on the subject, and they work on a machine without hugepages or NICs:
//   --no-huge -m 256      unless a memory or hugepage option is given (-m, --socket-mem,
//                         --huge-dir, --huge-unlink, --in-memory, --no-huge);
//   --no-pci              unless a PCI device is asked for (-a/--allow, -b/--block);
//   --file-prefix tb<pid> unless --file-prefix is given, so that processes never share EAL state;
//   --lcores 0@(<cpus>)   unless -l, -c or --lcores is given: lcore 0 may run on any CPU this
//                         process may use, so two unpinned processes do not both land on CPU 0
//                         (pin with -l N);
//   --log-level=notice    unless --log-level is given;
//   --no-telemetry        unless --telemetry is given.
//
// EAL starts once per process and cannot be started again after it stops, so there is at most one
// Eal object at a time. Runtime files under the EAL runtime folder are removed on destruction when
// the file prefix was ours, and those left by our processes that died are removed at start.

#include <span>
#include <string>
#include <vector>

namespace tb::core {

struct EalOptions {
    std::vector<std::string> args;      // user EAL arguments, in order
    std::string program = "tickbench";  // argv[0] as EAL sees it
    int memory_mb = 256;                // with the --no-huge default
};

class Eal {
public:
    // Starts EAL; throws StartupError with the reason and the arguments used when it fails.
    explicit Eal(const EalOptions& options);
    ~Eal();
    Eal(const Eal&) = delete;
    Eal& operator=(const Eal&) = delete;

    // The arguments rte_eal_init received (without argv[0]).
    [[nodiscard]] const std::vector<std::string>& arguments() const noexcept { return arguments_; }
    [[nodiscard]] const std::string& file_prefix() const noexcept { return file_prefix_; }

    // The EAL arguments with the defaults above added; exposed for tests and --help output.
    [[nodiscard]] static std::vector<std::string> effective_arguments(const EalOptions& options,
                                                                      std::string& file_prefix);

private:
    void stop() noexcept;

    std::vector<std::string> arguments_;
    std::string file_prefix_;
    std::string runtime_dir_;
    bool own_prefix_ = false;
};

// A command line of the form `program [EAL args] -- [options]`. Without "--" every argument is
// a program option and EAL gets only the defaults.
struct CommandLine {
    std::vector<std::string> eal_args;
    std::vector<std::string> program_args;
};
[[nodiscard]] CommandLine split_command_line(int argc, const char* const* argv);

}  // namespace tb::core
