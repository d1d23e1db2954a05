#pragma once

// Graceful stop for busy-polling programs: SIGINT and SIGTERM set a flag that poll loops read
// once per pass; a second signal of the same kind ends the process at once.

namespace tb::core {

// Installs the handlers (idempotent).
void install_stop_handler() noexcept;
// True once SIGINT or SIGTERM arrived (or request_stop() was called).
[[nodiscard]] bool stop_requested() noexcept;
void request_stop() noexcept;

}  // namespace tb::core
