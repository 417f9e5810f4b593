#pragma once
// Hot reload for `scamgate run`: the detector and policy in force live in one DetectionHolder and
// are swapped as a whole. A reload (SIGHUP, or "reload" on the local control socket) loads and
// compiles the new set on the control thread while the capture goes on with the old one; on any
// error the old set stays in force. Worker and dialog state are not touched.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <string>
#include <thread>
#include <vector>

#include "daemon/learned_control.h"
#include "daemon/reload_activity.h"
#include "policy/detection_set.h"
#include "common/log.h"
#include "common/stats.h"
#include "policy/stage.h"

namespace scamgate::daemon {

// Builds a new Detection from the configuration files as given at the start (same -c, same
// command-line overrides). Throws ConfigError (FILE:LINE) or another exception on failure.
using DetectionLoader = std::function<std::shared_ptr<const policy::Detection>()>;

struct ReloadResult {
    bool ok = false;
    std::size_t signatures = 0;
    std::string error;
};

// Runs reloads one at a time and counts them (reload.successes, reload.failures); after the
// first reload also reload.last_success (1 or 0) and reload.last_time (Unix seconds), for
// the metrics endpoint (docs/metrics.md).
class Reloader {
public:
    Reloader(policy::DetectionHolder& holder, DetectionLoader loader, Logger& log)
        : holder_(holder), loader_(std::move(loader)), log_(log) {}
    ReloadResult reload(const std::string& why);
    // Frees retired detections no longer in use (see DetectionHolder); the control thread calls it.
    void collect() { holder_.release_retired(); }
    const ReloadActivity& activity() const { return activity_; }
    void append_stats(StatsReport& report) const;

private:
    policy::DetectionHolder& holder_;
    ReloadActivity activity_;
    DetectionLoader loader_;
    Logger& log_;
    std::mutex mutex_;
    std::atomic<std::uint64_t> successes_{0};
    std::atomic<std::uint64_t> failures_{0};
    // The last reload: 0 none yet, 1 succeeded, 2 failed; and when it ended (Unix seconds).
    std::atomic<int> last_result_{0};
    std::atomic<std::int64_t> last_time_{0};
};

// The control socket's path when neither --control nor control.socket sets one:
// /run/scamgate/control.sock for root, else $XDG_RUNTIME_DIR/scamgate.sock (or /tmp/scamgate-UID.sock).
std::string default_control_path();

// A thread that serves the local control socket (AF_UNIX stream, mode 0600; one line "reload\n"
// answered "ok N signatures\n" or "error MESSAGE\n"; "lists ...\n" requests for the learned list,
// "lists import\n" followed by the entries until the client shuts its side down) and runs the reloads asked for by SIGHUP
// (a flag the signal thread sets). When the socket cannot be made, that is logged
// and SIGHUP still works. The thread runs at a lower CPU priority (nice +10): a reload loads and
// compiles on it while the packet thread must keep its core on a busy machine.
class ControlServer {
public:
    // `hup` is set by the signal thread on SIGHUP; the server clears it and reloads.
    // `learned` (may be null: no lists.learned) answers the "lists ..." requests and has its file
    // written from this thread.
    ControlServer(Reloader& reloader, const std::string& path, std::atomic<bool>& hup, Logger& log,
                  LearnedControl* learned = nullptr);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    const std::string& path() const { return path_; }

private:
    void serve();
    void answer(int client);

    Reloader& reloader_;
    LearnedControl* learned_ = nullptr;
    std::string path_;
    Logger& log_;
    int listen_fd_ = -1;
    std::atomic<bool>& hup_;
    std::atomic<bool> done_{false};
    std::thread thread_;
};

// `scamgate reload`: sends "reload" to the socket at `path`, prints the answer to `out`; returns
// 0 when the answer is "ok ...", 1 otherwise (answer or connection error logged).
int send_reload(const std::string& path, std::ostream& out, Logger& log);

// Sends one request line (and `body` after it, then shuts the writing side down) to the control
// socket at `path`; returns the whole answer, or nullopt with the reason logged.
std::optional<std::string> control_request(const std::string& path, const std::string& request, std::string_view body,
                                           Logger& log);

}  // namespace scamgate::daemon
