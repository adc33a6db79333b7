#pragma once
// Stopping cleanly on SIGINT and SIGTERM, and turning SIGXFSZ into a write error.
//
// install_interrupt_handlers() is called once by the command line. While no DeferInterrupts is
// alive, SIGINT or SIGTERM ends the process at once (exit code 128 + signal, one line on stderr
// saying that no file changed and to run the command again): nothing is being written then, so
// nothing can be left half-written. While one is alive (a run writing its files, a sweep storing
// items, any AtomicFile), the signal is only recorded, and the code checks pending_interrupt() at
// its item boundaries, removes its temporary files and throws Interrupted, which the command line
// reports with what was saved and how to continue, exiting 128 + signal. A second signal while
// one is pending ends the process at once. SIGXFSZ (a file grew past `ulimit -f`)
// is caught and ignored, so that the write fails with EFBIG and is reported as an io error.
//
// The handlers only touch lock-free atomics and call write(2) and _exit(2): async-signal-safe.

#include <stdexcept>
#include <string>

namespace qvsim {

// Installs the handlers for SIGINT, SIGTERM and SIGXFSZ (SA_RESTART, so that interrupted reads
// and writes continue). Idempotent.
void install_interrupt_handlers() noexcept;

// The signal (SIGINT or SIGTERM) received while deferred, or 0. Thread-safe.
int pending_interrupt() noexcept;

// "SIGINT", "SIGTERM" or "signal N".
std::string signal_name(int signal);

// While alive, SIGINT and SIGTERM are recorded instead of ending the process. Nests; thread-safe.
class DeferInterrupts {
 public:
  DeferInterrupts() noexcept;
  ~DeferInterrupts();
  DeferInterrupts(const DeferInterrupts&) = delete;
  DeferInterrupts& operator=(const DeferInterrupts&) = delete;
};

// Thrown at an item boundary once a deferred signal is pending. what() says what was saved and
// how to continue; the command line prints it and exits with exit_code() (128 + signal).
class Interrupted : public std::runtime_error {
 public:
  Interrupted(int signal, const std::string& what_was_saved);
  int signal() const noexcept { return signal_; }
  int exit_code() const noexcept { return 128 + signal_; }

 private:
  int signal_;
};

// Throws Interrupted(pending_interrupt(), what_was_saved) when a signal is pending.
void throw_if_interrupted(const std::string& what_was_saved);

// Records `signal` as pending, as a signal arriving while deferred would (the first one wins):
// how an embedding host with its own signal handling (the Python package, on Ctrl-C) stops a call
// at its next item boundary. Thread-safe.
void request_interrupt(int signal) noexcept;

// Tests only: forgets a pending signal (in-process tests raise signals at themselves).
void clear_pending_interrupt() noexcept;

}  // namespace qvsim
