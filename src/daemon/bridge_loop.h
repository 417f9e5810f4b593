#pragma once
// bridge mode's packet loop: two interfaces, each read with libpcap (incoming frames only) and
// every frame injected out of the other one unless the InlineGate drops it; a rewritten packet
// (tag) is injected in place of the original, and a reply (reject) goes back out of the interface
// the request came in on, its Ethernet addresses swapped. Frames that are not IP (ARP, LLDP, ...)
// pass unchanged. Packets and replies are handed to the Worker for the records.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "enforce/inline_gate.h"
#include "daemon/reload_activity.h"
#include "capture/live.h"
#include "common/latency.h"
#include "common/log.h"
#include "common/stats.h"
#include "pipeline/worker.h"

namespace scamgate::daemon {

struct BridgeRun {
    std::uint64_t packets = 0;
    std::uint64_t forwarded = 0;
    std::uint64_t dropped = 0;
    std::uint64_t rewritten = 0;
    std::uint64_t replies_sent = 0;
    std::uint64_t inject_errors = 0;
    LatencyHistogram latency;  // from the frame leaving libpcap to its injection on the other side
    ServiceTimes service;      // the whole time spent on a frame, split by reload windows
    std::string failure;       // why reading failed; empty after a requested stop
};

// Called on the loop's thread after every round (a batch each way, or a wait of at most 100 ms)
// with the run so far: where the lane publishes its counters for /metrics.
using BridgeRoundHook = std::function<void(const BridgeRun&)>;

// Runs until `stop` is set or the deadline passes. `sides` holds exactly two open captures (with
// several workers, this worker's share of each port: each worker forwards its frames out of its
// own capture of the other port).
// `gate` may be null (a plain bridge that only records); `reloads` null when nothing reloads.
BridgeRun run_bridge_loop(std::vector<capture::LiveCapture>& sides, pipeline::Worker& worker, enforce::InlineGate* gate,
                          const std::atomic<bool>& stop, std::optional<std::chrono::steady_clock::time_point> deadline,
                          Logger& log, const ReloadActivity* reloads = nullptr, const BridgeRoundHook& on_round = {});

// Sums `other` (another worker's run) into `total`; the first failure is kept.
void merge_bridge_runs(BridgeRun& total, const BridgeRun& other);

void append_bridge_stats(const BridgeRun& run, StatsReport& stats);

// Passive mode's active replies: for a packet captured on `capture`, asks the gate and injects its
// reply (a SIP final response for an enforced reject) back towards the sender. The original was a
// copy and has already gone on: the caller may get both answers. Returns true when a reply went out.
bool inject_reply(capture::LiveCapture& capture, const capture::Packet& packet, enforce::InlineGate& gate,
                  pipeline::Worker& worker, Logger& log);

}  // namespace scamgate::daemon
