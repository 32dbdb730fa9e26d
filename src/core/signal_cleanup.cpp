// Paths to remove when SIGINT, SIGTERM or SIGHUP ends the process: staged temp files (AtomicFile)
// and folders a command created. The registry is a fixed table of slots so that the handler needs
// no lock and no allocation: it only reads slots and calls unlink/rmdir, both async-signal-safe.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "piu/core.hpp"

namespace piu {

namespace {

constexpr int kSlots = 256;
constexpr size_t kMaxPath = 4096;

enum SlotState : int { kFree = 0, kWriting = 1, kReady = 2 };

struct Slot {
  std::atomic<int> state{kFree};
  bool folder = false;
  char path[kMaxPath] = {};
};

Slot g_slots[kSlots];

void remove_registered(int signal_number) {
  for (Slot& s : g_slots)
    if (s.state.load(std::memory_order_acquire) == kReady && !s.folder) ::unlink(s.path);
  // Folders after their files; a folder inside another one goes first: later slots are usually
  // deeper, and a few passes settle any order.
  for (int pass = 0; pass < 4; ++pass)
    for (int i = kSlots - 1; i >= 0; --i)
      if (g_slots[i].state.load(std::memory_order_acquire) == kReady && g_slots[i].folder) ::rmdir(g_slots[i].path);
  // The default action ends the process as killed by the signal (its exit status says so); the
  // signal stays blocked until this handler returns.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  ::sigaction(signal_number, &default_action, nullptr);
  ::raise(signal_number);
}

}  // namespace

RemoveOnSignal::RemoveOnSignal(const std::string& path, Kind kind) {
  if (path.empty() || path.size() >= kMaxPath) return;  // cannot be held: left to the caller's own cleanup
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kWriting, std::memory_order_acq_rel)) continue;
    g_slots[i].folder = kind == Kind::kFolder;
    std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
    g_slots[i].state.store(kReady, std::memory_order_release);
    slot_ = i;
    return;
  }
}

RemoveOnSignal::RemoveOnSignal(RemoveOnSignal&& other) noexcept : slot_(other.slot_) { other.slot_ = -1; }

RemoveOnSignal& RemoveOnSignal::operator=(RemoveOnSignal&& other) noexcept {
  if (this != &other) {
    release();
    slot_ = other.slot_;
    other.slot_ = -1;
  }
  return *this;
}

RemoveOnSignal::~RemoveOnSignal() { release(); }

void RemoveOnSignal::release() {
  if (slot_ < 0) return;
  g_slots[slot_].state.store(kFree, std::memory_order_release);
  slot_ = -1;
}

void install_signal_cleanup() {
  struct sigaction action {};
  action.sa_handler = remove_registered;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&action.sa_mask, s);  // one cleanup at a time
  for (int s : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction previous {};
    ::sigaction(s, nullptr, &previous);
    if (previous.sa_handler == SIG_IGN) continue;  // nohup: an ignored signal stays ignored
    ::sigaction(s, &action, nullptr);
  }
}

}  // namespace piu
