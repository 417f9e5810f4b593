#pragma once
// nfqueue mode's packet loop: binds an NFQUEUE (libnetfilter-queue, copy-packet mode; one queue
// per worker with pipeline.workers > 1), asks the InlineGate for each queued packet's verdict,
// sets it (with the changed bytes when the gate rewrote the packet), sends the gate's SIP replies,
// then hands the packet and the reply to the Worker (records, as in passive mode). Built only when libnetfilter-queue was found
// (SCAMGATE_HAVE_NFQUEUE); otherwise nfqueue_available() is false.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "enforce/inline_gate.h"
#include "daemon/reload_activity.h"
#include "common/log.h"
#include "common/stats.h"
#include "pipeline/worker.h"

namespace scamgate::daemon {

bool nfqueue_available();

struct NfqueueRun {
    std::uint64_t packets = 0;
    std::uint64_t accepted = 0;
    std::uint64_t dropped = 0;
    std::uint64_t replies_sent = 0;
    std::uint64_t reply_errors = 0;
    std::uint64_t rewritten = 0;   // accepted with changed bytes (tag, TCP same-length rewrite)
    // From the kernel's /proc/net/netfilter/nfnetlink_queue, over this run: packets queued for
    // us that never reached scamgate (a full queue or socket: fail-open let them through
    // unfiltered), and the kernel's own drop counters.
    std::uint64_t not_seen = 0;
    std::uint64_t kernel_queue_dropped = 0;
    std::uint64_t kernel_user_dropped = 0;
    LatencyHistogram latency;      // from the packet's arrival in the callback to its verdict
    ServiceTimes service;          // the whole callback, split by reload windows
    std::string failure;  // why the queue could not be bound or read; empty after a requested stop
};

struct NfqueueSettings {
    int queue = 0;
    std::size_t socket_buffer_bytes = 32u << 20;  // netlink receive buffer (capture.buffer_mb)
    std::uint32_t queue_maxlen = 16384;            // packets the kernel holds for us (its default: 1024)
    std::optional<std::chrono::steady_clock::time_point> deadline;  // stop then (--duration)
    const ReloadActivity* reloads = nullptr;                        // null: no reloads in this run
};

// Called on the queue's thread after every read (a packet's verdict, or at most 100 ms idle) with
// the run so far: where the lane publishes its counters for /metrics.
using NfqueueRoundHook = std::function<void(const NfqueueRun&)>;

// One NFQUEUE bound for one worker: its packets are verdicted by the thread that calls run(), with
// that worker and gate. With several workers the daemon binds every queue first (on the thread
// that then drops root), then runs each binding on a thread of its own (daemon/run.cpp).
class NfqueueBinding {
public:
    // Binds settings.queue (copy-packet mode, fail-open when the queue is full); failure() says
    // why when it could not. `gate` may be null (no detection: every packet is accepted and only
    // recorded). `worker`, `gate` and `log` must outlive the binding.
    NfqueueBinding(const NfqueueSettings& settings, pipeline::Worker& worker, enforce::InlineGate* gate, Logger& log);
    ~NfqueueBinding();  // unbinds the queue
    NfqueueBinding(const NfqueueBinding&) = delete;
    NfqueueBinding& operator=(const NfqueueBinding&) = delete;

    int queue() const;
    // Why the queue could not be bound; empty when it is.
    const std::string& failure() const;
    // Reads and verdicts until `stop` is set, the deadline passes or reading fails (the run's
    // failure then says why); the packets already queued get their verdicts before it returns.
    NfqueueRun run(const std::atomic<bool>& stop, const NfqueueRoundHook& on_round = {});

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Sums `other` (another queue's run) into `total`; the first failure is kept.
void merge_nfqueue_runs(NfqueueRun& total, const NfqueueRun& other);

void append_nfqueue_stats(const NfqueueRun& run, StatsReport& stats);

}  // namespace scamgate::daemon
