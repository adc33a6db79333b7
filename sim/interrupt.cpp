#include "sim/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace qvsim {
namespace {

std::atomic<int> g_pending{0};
std::atomic<int> g_deferred{0};
static_assert(std::atomic<int>::is_always_lock_free, "signal handlers need lock-free atomics");

void say(const char* text) noexcept {
  const std::size_t n = std::strlen(text);
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(2, text + done, n - done);
    if (w <= 0) return;
    done += static_cast<std::size_t>(w);
  }
}

void on_stop_signal(int sig) {
  if (g_deferred.load() > 0 && g_pending.load() == 0) {
    g_pending.store(sig);
    return;
  }
  // Nothing is being written (or the user insists): end now. Only async-signal-safe calls.
  say(sig == SIGINT ? "qvsim: interrupted by SIGINT" : "qvsim: interrupted by SIGTERM");
  if (g_deferred.load() > 0) {
    say(": stopped at once by a second signal\n");  // published files are whole; temporaries stay
  } else {
    say(": nothing was being written, so no file changed; run the command again to start over\n");
  }
  ::_exit(128 + sig);
}

// The write that crossed `ulimit -f` fails with EFBIG and is reported as an io error.
void on_file_size_signal(int) {}

}  // namespace

void install_interrupt_handlers() noexcept {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sa.sa_handler = on_stop_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sa.sa_handler = on_file_size_signal;
  sigaction(SIGXFSZ, &sa, nullptr);
}

int pending_interrupt() noexcept { return g_pending.load(); }

void clear_pending_interrupt() noexcept { g_pending.store(0); }

void request_interrupt(int signal) noexcept {
  int none = 0;
  g_pending.compare_exchange_strong(none, signal);
}

std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

DeferInterrupts::DeferInterrupts() noexcept { g_deferred.fetch_add(1); }

DeferInterrupts::~DeferInterrupts() { g_deferred.fetch_sub(1); }

Interrupted::Interrupted(int signal, const std::string& what_was_saved)
    : std::runtime_error(what_was_saved), signal_(signal) {}

void throw_if_interrupted(const std::string& what_was_saved) {
  if (const int sig = pending_interrupt(); sig != 0) throw Interrupted(sig, what_was_saved);
}

}  // namespace qvsim
