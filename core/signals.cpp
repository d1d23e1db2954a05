#include "core/signals.hpp"

#include <signal.h>

#include <atomic>

namespace tb::core {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "read from a signal handler");

extern "C" void on_stop_signal(int signal_number) {
    if (g_stop.exchange(true)) {
        // Second request: the loop did not stop, so leave now with the conventional status.
        ::signal(signal_number, SIG_DFL);
        ::raise(signal_number);
    }
}

}  // namespace

void install_stop_handler() noexcept {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() noexcept {
    return g_stop.load(std::memory_order_relaxed);
}

void request_stop() noexcept {
    g_stop.store(true, std::memory_order_relaxed);
}

}  // namespace tb::core
