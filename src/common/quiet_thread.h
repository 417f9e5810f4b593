#pragma once
// Background threads (Redis clients, behaviour's sync, the learned list's poll) must take none of
// the process's asynchronous signals: SIGINT, SIGTERM and SIGHUP belong to whoever the application
// chose (`run`'s sigwait thread), whenever the background thread was made. A thread started
// before `run` blocked them would otherwise be picked by the kernel for a SIGTERM and the default
// action would end the process (exit 143, no drain, no stats). And hiredis writes with write(2):
// a peer that went away raises SIGPIPE, which would end the process; blocked, it stays pending on
// that thread while write() returns EPIPE. Faults stay unblocked, so a crash is still reported
// (and seen by the sanitizers).
#include <pthread.h>
#include <signal.h>

#include <thread>
#include <utility>

namespace scamgate {

// A std::thread running `body` with every asynchronous signal blocked from its first instruction
// (the mask is inherited from the caller, whose own mask is restored before returning).
template <typename Body>
std::thread start_quiet_thread(Body&& body) {
    sigset_t set;
    sigfillset(&set);
    for (const int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP}) sigdelset(&set, fault);
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &set, &previous);
    std::thread thread(std::forward<Body>(body));
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return thread;
}

}  // namespace scamgate
