#include "app/run_cmd.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <array>
#include <atomic>
#include <span>
#include <chrono>
#include <csignal>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "app/bridge_loop.h"
#include "app/inline_gate.h"
#include "app/nfqueue_loop.h"
#include "app/privileges.h"
#include "capture/live.h"
#include "net/decoder.h"
#include "output/events.h"
#include "pipeline/worker.h"
#include "policy/stage.h"

namespace scamgate::app {

namespace {

using Clock = std::chrono::steady_clock;

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and so in every thread it starts later)
// and waits for them on a thread of its own, which sets the caller's stop flag (SIGINT, SIGTERM)
// or its reload flag (SIGHUP, taken by the ControlServer). No signal handler, no
// global state. The destructor ends the thread, takes any signal still pending and restores the
// signal mask; create it before any other thread and keep it until the output is written.
class SignalWatcher {
public:
    SignalWatcher(std::atomic<bool>& stop, std::atomic<bool>& hup) : stop_(stop), hup_(hup) {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        sigaddset(&set_, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &set_, &previous_);
        thread_ = std::thread([this] { watch(); });
    }
    ~SignalWatcher() {
        done_ = true;
        thread_.join();
        const timespec zero{};
        while (sigtimedwait(&set_, nullptr, &zero) > 0) {
        }
        pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

    int received() const { return signal_.load(); }  // the signal that asked to stop, 0 if none

private:
    void watch() {
        const timespec tick{0, 100'000'000};  // look at done_ ten times a second
        while (!done_.load()) {
            const int sig = sigtimedwait(&set_, nullptr, &tick);
            if (sig == SIGHUP) {
                hup_ = true;
            } else if (sig > 0) {
                signal_ = sig;
                stop_ = true;
            }
        }
    }

    std::atomic<bool>& stop_;
    std::atomic<bool>& hup_;
    std::atomic<bool> done_{false};
    std::atomic<int> signal_{0};
    sigset_t set_{};
    sigset_t previous_{};
    std::thread thread_;
};

// Events reach the file as each contact finishes, so `tail -f` sees them at once.
class FlushEachLine final : public record::ContactSink {
public:
    explicit FlushEachLine(output::JsonlWriter& writer) : writer_(writer) {}
    void on_contact(const record::Contact& contact) override {
        writer_.on_contact(contact);
        writer_.flush();
    }

private:
    output::JsonlWriter& writer_;
};

// Every interface read in turn by one thread: a batch from each that has packets, then poll()
// on all of them when none had any. Packets are numbered across interfaces for the logs.
class CaptureLoop {
public:
    // With `replies` (active replies), each packet is also shown to the gate and the SIP response
    // of an enforced reject is injected on the interface it came from.
    CaptureLoop(std::vector<capture::LiveCapture>& captures, pipeline::Worker& worker, InlineGate* replies, Logger& log)
        : captures_(captures), worker_(worker), replies_(replies), log_(log) {
        for (const auto& c : captures_) {
            const int fd = c.selectable_fd();
            if (fd < 0) pollable_ = false;
            fds_.push_back(pollfd{fd, POLLIN, 0});
        }
    }

    // Runs until `stop` is set or `deadline` passes. Returns why reading failed, or "" for a
    // requested stop.
    std::string run(const std::atomic<bool>& stop, std::optional<Clock::time_point> deadline) {
        while (!stop.load()) {
            const auto now = Clock::now();
            if (deadline && now >= *deadline) break;
            const std::size_t read = read_round();
            if (!failure_.empty()) return failure_;
            if (read == 0) wait(deadline ? *deadline - now : Clock::duration(kIdleWait));
        }
        return {};
    }

    std::uint64_t packets() const { return packets_; }
    std::uint64_t replies_sent() const { return replies_sent_; }

private:
    static constexpr std::size_t kBatch = 256;  // packets from one interface before the next one's turn
    static constexpr std::chrono::milliseconds kIdleWait{100};

    std::size_t read_round() {
        std::size_t read = 0;
        for (auto& c : captures_) {
            for (std::size_t i = 0; i < kBatch; ++i) {
                auto packet = c.next();
                if (!packet) break;
                packet->number = ++packets_;
                if (replies_ == nullptr) {
                    worker_.on_packet(*packet);
                } else if (inject_reply(c, *packet, *replies_, worker_, log_)) {
                    ++replies_sent_;  // the gate had the worker read the packet
                }
                ++read;
            }
            if (!c.error().empty()) failure_ = c.error();
        }
        return read;
    }

    void wait(Clock::duration left) {
        const auto limit = std::min<Clock::duration>(left, kIdleWait);
        const int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()) + 1;
        if (!pollable_) {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min(ms, 10)));
            return;
        }
        for (auto& fd : fds_) fd.revents = 0;
        (void)poll(fds_.data(), fds_.size(), ms);  // EINTR or timeout: the loop simply goes round
    }

    std::vector<capture::LiveCapture>& captures_;
    pipeline::Worker& worker_;
    InlineGate* replies_;
    Logger& log_;
    std::vector<pollfd> fds_;
    bool pollable_ = true;
    std::uint64_t packets_ = 0;
    std::uint64_t replies_sent_ = 0;
    std::string failure_;
};

capture::LiveOptions live_options(const CaptureConfig& capture, const std::string& interface,
                                  const std::string& filter) {  // empty: none yet
    capture::LiveOptions o;
    o.interface = interface;
    o.snaplen = static_cast<int>(capture.snaplen);
    o.buffer_bytes = static_cast<int>(capture.buffer_mb * 1024 * 1024);
    o.promiscuous = capture.promiscuous;
    o.filter = filter;
    o.incoming_only = capture.mode == "bridge";
    if (capture.mode == "bridge") o.promiscuous = true;  // frames for the hosts behind the bridge
    return o;
}

// Opens every interface with its filter; throws capture::CaptureError for the first that fails.
std::vector<capture::LiveCapture> open_captures(const AppConfig& config, const CaptureConfig& capture, Logger& log) {
    std::vector<capture::LiveCapture> captures;
    const bool bridge = capture.mode == "bridge";
    for (const auto& name : capture.interfaces) {
        auto& c = captures.emplace_back(live_options(capture, name, bridge ? "" : capture.bpf));
        for (const auto& w : c.warnings()) log.warn("{}", w);
        if (!net::is_supported_linktype(c.linktype())) {
            throw capture::CaptureError(fmt::format("cannot capture on '{}': unsupported link type {} ({})", name,
                                                    c.linktype(), c.linktype_name()));
        }
        if (bridge) {
            if (c.linktype() != 1) {
                throw capture::CaptureError(fmt::format("cannot bridge on '{}': link type {} is not Ethernet", name,
                                                        c.linktype_name()));
            }
            log.info("bridging {} (incoming frames, promiscuous; every frame is forwarded unless dropped)", name);
            continue;
        }
        // The default filter depends on the link type (no `vlan` on Linux cooked captures).
        if (capture.bpf.empty()) c.set_filter(effective_filter(config, capture, c.linktype()));
        log.info("capturing on {} (link type {}, {} timestamps); filter: {}{}", name, c.linktype_name(),
                 c.nanosecond_timestamps() ? "nanosecond" : "microsecond", c.filter(),
                 capture.bpf.empty() ? " (the default, docs/operations.md)" : "");
    }
    return captures;
}

// Sums the interfaces' counters into the stats and logs each interface's.
void append_capture_stats(const std::vector<capture::LiveCapture>& captures, std::uint64_t packets,
                          StatsReport& stats, Logger& log) {
    stats.set("capture.interfaces", captures.size());
    stats.set("capture.packets", packets);
    for (const auto& c : captures) {
        const auto s = c.stats();
        stats.add("capture.received", s.received);
        stats.add("capture.kernel_drops", s.kernel_drops);
        stats.add("capture.interface_drops", s.interface_drops);
        log.info("{}: {} packets read, {} received by the filter, {} kernel drops, {} interface drops", c.interface(),
                 c.packets(), s.received, s.kernel_drops, s.interface_drops);
    }
}

void print_stats(StatsFormat format, const StatsReport& stats, std::ostream& out) {
    if (format == StatsFormat::json) out << output::to_json(stats).dump() << '\n';
    if (format == StatsFormat::text) {
        for (const auto& [name, value] : stats.values()) out << name << ' ' << value << '\n';
    }
    out.flush();
}

// Refuses what this build cannot run: the exit code, or nullopt when the run may start.
std::optional<int> refuse(const CaptureConfig& capture, const std::string& filter, Logger& log) {
    if (capture.mode == "nfqueue") {
        if (!nfqueue_available()) {
            log.error("mode nfqueue is not in this build: libnetfilter-queue-dev was not found when it was built "
                      "(install it, e.g. scripts/deps build, and rebuild)");
            return 2;
        }
        return std::nullopt;
    }
    if (capture.mode == "bridge") {
        if (capture.interfaces.size() != 2) {
            log.error("bridge mode takes exactly two interfaces (--interface A --interface B or capture.interfaces), "
                      "got {}", capture.interfaces.size());
            return 2;
        }
        if (capture.interfaces[0] == capture.interfaces[1]) {
            log.error("bridge mode needs two different interfaces, got {} twice", capture.interfaces[0]);
            return 2;
        }
        if (!capture.bpf.empty()) log.warn("capture.bpf / --bpf is not used in bridge mode: every frame is forwarded");
        return std::nullopt;
    }
    if (capture.mode != "passive") {
        log.error("unknown mode {}; use passive, nfqueue or bridge", capture.mode);
        return 2;
    }
    if (capture.interfaces.empty()) {
        log.error("no interface to capture on: give --interface IF (repeatable) or capture.interfaces in the config");
        return 2;
    }
    if (auto err = capture::filter_error(filter)) {
        log.error("bad capture filter '{}': {}", filter, *err);
        return 2;
    }
    return std::nullopt;
}

std::string join(const std::vector<std::string>& names) { return fmt::format("{}", fmt::join(names, ",")); }

}  // namespace

CaptureConfig effective_capture(const CaptureConfig& config, const RunOptions& options) {
    CaptureConfig c = config;
    if (options.mode) c.mode = *options.mode;
    if (options.queue) c.queue = static_cast<unsigned>(*options.queue);
    if (!options.interfaces.empty()) c.interfaces = options.interfaces;
    if (options.bpf) c.bpf = *options.bpf;
    if (options.snaplen) c.snaplen = *options.snaplen;
    if (options.buffer_mb) c.buffer_mb = *options.buffer_mb;
    if (options.active_replies) c.active_replies = *options.active_replies;
    return c;
}

std::string effective_filter(const AppConfig& config, const CaptureConfig& capture, int linktype) {
    if (!capture.bpf.empty()) return capture.bpf;
    capture::FilterPorts ports;
    ports.sip = config.pipeline.sip.ports;
    ports.smpp = config.pipeline.smpp.ports;
    ports.sip_any_port = config.pipeline.sip.any_port;
    return capture::default_filter(ports, linktype);
}

std::optional<int> check_run(const AppConfig& config, const RunOptions& options, Logger& log) {
    const CaptureConfig capture = effective_capture(config.capture, options);
    return refuse(capture, effective_filter(config, capture), log);
}

namespace {

// What every mode shares: the events writer, the detection in force (replaced as a whole by each
// successful reload), the worker, the signal watcher and the control socket.
struct Daemon {
    Daemon(const AppConfig& config, const RunOptions& options, std::ostream& out, Logger& logger)
        : log(logger), signals(stop, hup) {
        const std::string events_path = options.events_path.empty() ? config.events_path : options.events_path;
        if (!events_path.empty()) events.emplace(events_path, out, output::EventOptions{config.redact_text});
        if (events) sinks.add(flushing.emplace(*events));
        if (!events) log.warn("no --events and no output.events: contacts are only counted");
        if (options.detection) {
            holder.emplace(std::shared_ptr<const Detection>(options.detection, [](const Detection*) {}));
            detection.emplace(*holder, sinks);
        }
        record::ContactSink& first = detection ? static_cast<record::ContactSink&>(*detection) : sinks;
        worker.emplace(config.pipeline, first, log, detection ? &*detection : nullptr);
        if (holder && options.reload) {
            reloader.emplace(*holder, options.reload, log);
            control.emplace(*reloader, options.control_path.empty() ? default_control_path() : options.control_path,
                            hup, log);
        } else {
            log.warn("no detection in this run: SIGHUP and the control socket have nothing to reload");
        }
        if (holder) {
            gate.emplace(*holder, *worker, config.pipeline, config.inline_gate);
            if (events) {
                gate->report_unparsed_to([this](const output::UnparsedEvent& event) {
                    output::UnparsedEvent named = event;
                    named.source = source;
                    events->on_unparsed(named);
                    events->flush();
                });
            }
        }
    }

    // Tells the detection stage where the traffic comes from: inline, events read what the gate
    // actually applied (its ledger); passive, nothing is carried out on the wire.
    void wire(policy::WireContext context) {
        if (!detection) return;
        detection->set_wire(context, context == policy::WireContext::inline_gate && gate ? &gate->applied() : nullptr);
    }

    // Names the capture source for the worker's records and the gate's events.
    void begin_source(std::string name) {
        source = std::move(name);
        worker->begin_source(source);
    }

    // Drains the worker, flushes the events and gathers the stats every mode reports.
    StatsReport finish() {
        if (signals.received()) log.info("{} received: stopping", signals.received() == SIGINT ? "SIGINT" : "SIGTERM");
        worker->end_source();  // open calls end as capture_end, pending SMS are written
        if (events) events->flush();
        StatsReport stats = worker->stats();
        if (detection) detection->append_stats(stats);
        if (gate) gate->append_stats(stats);
        if (reloader) reloader->append_stats(stats);
        return stats;
    }

    Logger& log;
    std::string source;
    std::optional<output::JsonlWriter> events;
    std::optional<FlushEachLine> flushing;
    output::FanOut sinks;
    std::optional<DetectionHolder> holder;
    std::optional<policy::DetectionStage> detection;
    std::optional<pipeline::Worker> worker;
    std::atomic<bool> stop{false};
    std::atomic<bool> hup{false};
    SignalWatcher signals;
    std::optional<Reloader> reloader;
    std::optional<ControlServer> control;
    std::optional<InlineGate> gate;  // per-packet decisions: inline modes and active replies
};

// Switches to daemon.user (--user) keeping `keep`; returns why it failed, or "".
std::string become_user(const AppConfig& config, const RunOptions& options, std::span<const Capability> keep, Logger& log) {
    PrivilegeDrop request{options.user.value_or(config.daemon.user), options.group.value_or(config.daemon.group)};
    if (request.user.empty()) return {};
    if (auto error = drop_privileges(request, keep)) return *error;
    log.info("{}", describe_credentials());
    return {};
}

// When --duration (> 0) ends the run.
std::optional<Clock::time_point> deadline_of(double duration_s) {
    if (duration_s <= 0) return std::nullopt;
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration_s));
}

int run_nfqueue(Daemon& d, const AppConfig& config, const CaptureConfig& capture, const RunOptions& options,
                std::ostream& out) {
    if (!d.gate) d.log.warn("nfqueue mode without detection: every packet is accepted");
    d.begin_source(fmt::format("nfqueue:{}", capture.queue));
    d.wire(policy::WireContext::inline_gate);
    // Verdicts and the reject socket's IP_TRANSPARENT need CAP_NET_ADMIN after the switch too.
    static constexpr std::array kKeep{Capability::net_admin};
    const auto after_bind = [&] { return become_user(config, options, kKeep, d.log); };
    NfqueueSettings settings;
    settings.queue = static_cast<int>(capture.queue);
    settings.socket_buffer_bytes = capture.buffer_mb * 1024 * 1024;
    settings.deadline = deadline_of(options.duration_s);
    if (d.reloader) settings.reloads = &d.reloader->activity();
    const NfqueueRun run =
        run_nfqueue_loop(settings, *d.worker, d.gate ? &*d.gate : nullptr, d.stop, d.log, after_bind);
    if (!run.failure.empty()) d.log.error("nfqueue: {}; stopping", run.failure);
    StatsReport stats = d.finish();
    append_nfqueue_stats(run, stats);
    d.log.info("nfqueue: {} packets, {} accepted ({} changed), {} dropped, {} SIP responses sent", run.packets,
               run.accepted, run.rewritten, run.dropped, run.replies_sent);
    print_stats(options.stats, stats, out);
    return run.failure.empty() ? 0 : 1;
}

int run_bridge(Daemon& d, std::vector<capture::LiveCapture>& sides, const CaptureConfig& capture,
               const RunOptions& options, std::ostream& out) {
    if (!d.gate) d.log.warn("bridge mode without detection: every frame is forwarded");
    d.begin_source(join(capture.interfaces));
    d.wire(policy::WireContext::inline_gate);
    const BridgeRun run = run_bridge_loop(sides, *d.worker, d.gate ? &*d.gate : nullptr, d.stop,
                                          deadline_of(options.duration_s), d.log,
                                          d.reloader ? &d.reloader->activity() : nullptr);
    if (!run.failure.empty()) d.log.error("bridge: {}; stopping", run.failure);
    StatsReport stats = d.finish();
    append_bridge_stats(run, stats);
    append_capture_stats(sides, run.packets, stats, d.log);
    d.log.info("bridge: {} frames, {} forwarded ({} changed), {} dropped, {} SIP responses sent, {} inject errors",
               run.packets, run.forwarded, run.rewritten, run.dropped, run.replies_sent, run.inject_errors);
    print_stats(options.stats, stats, out);
    return run.failure.empty() ? 0 : 1;
}

int run_passive(Daemon& d, std::vector<capture::LiveCapture>& captures, const CaptureConfig& capture,
                const RunOptions& options, std::ostream& out) {
    d.log.info("passive mode: snaplen {}, buffer {} MiB per interface, promiscuous {}, active replies {}",
               capture.snaplen, capture.buffer_mb, capture.promiscuous ? "on" : "off",
               capture.active_replies ? "on" : "off");
    InlineGate* replies = capture.active_replies && d.gate ? &*d.gate : nullptr;
    if (capture.active_replies && !d.gate) d.log.warn("active replies need detection; none in this run");
    d.begin_source(join(capture.interfaces));
    d.wire(policy::WireContext::passive);
    CaptureLoop loop(captures, *d.worker, replies, d.log);
    const std::string failure = loop.run(d.stop, deadline_of(options.duration_s));
    if (!failure.empty()) d.log.error("capture failed: {}; stopping", failure);
    StatsReport stats = d.finish();
    if (capture.active_replies) stats.set("passive.replies_sent", loop.replies_sent());
    append_capture_stats(captures, loop.packets(), stats, d.log);
    print_stats(options.stats, stats, out);
    return failure.empty() ? 0 : 1;
}

}  // namespace

int run_live(const AppConfig& config, const RunOptions& options, std::ostream& out, Logger& log) {
    if (auto code = check_run(config, options, log)) return *code;
    const CaptureConfig capture = effective_capture(config.capture, options);
    Daemon daemon(config, options, out, log);
    if (capture.mode == "nfqueue") return run_nfqueue(daemon, config, capture, options, out);
    std::vector<capture::LiveCapture> captures;
    try {
        captures = open_captures(config, capture, log);
    } catch (const capture::CaptureError& e) {
        log.error("{}", e.what());
        return 1;
    }
    // A packet socket checks privileges only when it is opened: reading and injecting on the open
    // pcap handles needs no capability afterwards.
    const std::string switched = become_user(config, options, {}, log);
    if (!switched.empty()) {
        log.error("{}; stopping", switched);
        return 1;
    }
    if (capture.mode == "bridge") return run_bridge(daemon, captures, capture, options, out);
    return run_passive(daemon, captures, capture, options, out);
}

}  // namespace scamgate::app
