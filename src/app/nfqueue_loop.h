#pragma once
// nfqueue mode's packet loop: binds an NFQUEUE (libnetfilter-queue, copy-packet mode), asks the
// InlineGate for each queued packet's verdict, sets it (with the changed bytes when the gate
// rewrote the packet), sends the gate's SIP replies, then hands the packet and the reply to the
// Worker (records, as in passive mode). Built only when libnetfilter-queue was found
// (SCAMGATE_HAVE_NFQUEUE); otherwise nfqueue_available() is false.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "app/inline_gate.h"
#include "common/log.h"
#include "common/stats.h"
#include "pipeline/worker.h"

namespace scamgate::app {

bool nfqueue_available();

struct NfqueueRun {
    std::uint64_t packets = 0;
    std::uint64_t accepted = 0;
    std::uint64_t dropped = 0;
    std::uint64_t replies_sent = 0;
    std::uint64_t reply_errors = 0;
    std::uint64_t rewritten = 0;   // accepted with changed bytes (tag, TCP same-length rewrite)
    LatencyHistogram latency;      // from the packet's arrival in the callback to its verdict
    std::string failure;  // why the queue could not be bound or read; empty after a requested stop
};

// Called once the queue is bound, before the first packet: returns why the run must stop (e.g.
// the privilege drop failed), or "" to go on.
using AfterBind = std::function<std::string()>;

// Runs until `stop` is set or `duration_s` (> 0) passes. `gate` may be null (no detection: every
// packet is accepted and only recorded).
NfqueueRun run_nfqueue_loop(int queue, pipeline::Worker& worker, InlineGate* gate, const std::atomic<bool>& stop,
                            double duration_s, Logger& log, const AfterBind& after_bind = {});

void append_nfqueue_stats(const NfqueueRun& run, StatsReport& stats);

}  // namespace scamgate::app
