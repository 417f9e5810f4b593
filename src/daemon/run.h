#pragma once
// `scamgate run`: the live daemon. Passive mode: libpcap on one or more interfaces,
// one capture thread feeding one Worker, events written (and flushed) line by line as contacts
// finish, optionally SIP responses injected for enforced rejects (active replies); SIGINT/SIGTERM
// (or --duration) stop the capture, drain the worker and print the stats. Inline: nfqueue mode
// (when built with libnetfilter-queue; daemon/nfqueue_loop.h) and bridge mode (two interfaces,
// daemon/bridge_loop.h) decide per packet (enforce/inline_gate.h). SIGHUP or `scamgate reload` (the
// control socket) swaps in a newly loaded detector and policy (daemon/reload.h). With daemon.user the
// process switches user once its captures are open (daemon/privileges.h).
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/stats.h"
#include "daemon/reload.h"  // DetectionLoader
#include "daemon/settings.h"
#include "lists/learned_sync.h"
#include "metrics/listen_address.h"
#include "policy/detection_set.h"

namespace scamgate::daemon {

// Command-line settings of `run`; each one that is set overrides the configuration.
struct RunOptions {
    std::optional<std::string> mode;       // --mode (capture.mode)
    std::vector<std::string> interfaces;   // --interface, repeatable (capture.interfaces)
    std::optional<int> queue;              // --queue (capture.queue)
    std::optional<std::string> bpf;        // --bpf (capture.bpf)
    std::optional<std::size_t> snaplen;    // --snaplen (capture.snaplen)
    std::optional<std::size_t> buffer_mb;  // --buffer-mb (capture.buffer_mb)
    std::optional<bool> active_replies;    // --active-replies (capture.active_replies)
    std::optional<std::string> user;       // --user (daemon.user)
    std::optional<std::string> group;      // --group (daemon.group)
    std::string events_path;               // --events (output.events)
    StatsFormat stats = StatsFormat::none; // --stats: printed on exit
    double duration_s = 0;                 // --duration: stop after this long; 0 = until a signal
    const policy::Detection* detection = nullptr;  // null: no verdicts; must outlive run_live
    behaviour::Engine* behaviour = nullptr;        // null: no behaviour findings; shared by every worker, must outlive run_live
    lists::LearnedList* learned = nullptr;         // null: no learned list; shared by every worker, must outlive run_live
    std::string learned_path;              // lists.learned: written after changes and at the end
    lists::LearnedSync* learned_sync = nullptr;  // behaviour.redis: the list shared; closed at the end, before the write
    DetectionLoader reload;                // loads a new policy::Detection on SIGHUP / `scamgate reload`; empty: none
    std::string control_path;              // --control (control.socket); empty: default_control_path()
    std::optional<metrics::ListenAddress> metrics;  // --metrics (metrics.listen): serve /metrics there; none: off
    std::string version;                   // scamgate_build_info{version} on /metrics
};

// The capture settings in force: the config's, with the command line's on top.
CaptureConfig effective_capture(const CaptureConfig& config, const RunOptions& options);

// The filter in force on an interface of `linktype` (DLT_EN10MB = 1): capture.bpf when set, else
// the default built from the SIP and SMPP ports (docs/operations.md).
std::string effective_filter(const RunSettings& config, const CaptureConfig& capture, int linktype = 1);

// Refuses what this build cannot run (a mode not built yet, no interface, a filter that does not
// compile), with the reason logged: the exit code (2), or nullopt when the run may start. Cheap:
// call it before loading detection.
std::optional<int> check_run(const RunSettings& config, const RunOptions& options, Logger& log);

// Runs in the foreground until SIGINT/SIGTERM or --duration. Returns the exit code: 0 after a
// clean stop; 1 when an interface cannot be opened or fails while capturing; 2 for a bad command
// line or configuration (unknown mode, a mode not built, wrong number of interfaces, bad filter).
int run_live(const RunSettings& config, const RunOptions& options, std::ostream& out, Logger& log);

}  // namespace scamgate::daemon
