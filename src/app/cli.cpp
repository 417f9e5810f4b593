#include "app/cli.h"
#include "metrics/listen_address.h"

#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app/config.h"
#include "daemon/reload.h"
#include "app/replay.h"
#include "daemon/run.h"
#include "app/try_cmd.h"
#include "detect/examples.h"
#include "lists/learned_sync.h"
#include "redis/endpoint.h"
#include "detect/score_model.h"
#include "detect/lookalike.h"

namespace scamgate::app {

namespace {

constexpr const char* kVersion = "0.1.0";

struct CommonOptions {
    std::string config_path;
    bool verbose = false;
    bool quiet = false;
};

// Loads -c CONFIG; without -c the bundled config/scamgate.yaml (its values are the built-in
// defaults, plus the example trunks), or the built-in defaults when that file is not there.
AppConfig load_or_default(const CommonOptions& common) {
    if (!common.config_path.empty()) return load_config(common.config_path);
    const auto bundled = AppConfig::bundled_config_dir() + "/scamgate.yaml";
    if (std::filesystem::exists(bundled)) return load_config(bundled);
    return AppConfig{};
}

void add_common(CLI::App& cmd, CommonOptions& common) {
    cmd.add_option("-c,--config", common.config_path, "configuration file (default: the bundled config/scamgate.yaml)");
    cmd.add_flag("-v,--verbose", common.verbose, "log debug detail to stderr");
    cmd.add_flag("-q,--quiet", common.quiet, "log only errors to stderr");
}

// "model sms-text 2026.12.04 (weights checksum ok)" for each loaded model, or "no model".
std::string models_summary(const detect::Detector& detector) {
    std::vector<std::string> parts;
    for (const auto& m : detector.models())
        parts.push_back(fmt::format("model {} {} ({} weights, checksum ok)", m.header().name, m.header().version,
                                    std::size_t{1} << m.header().features.hash_bits));
    if (const auto* score = detector.score_model()) {
        parts.push_back(fmt::format("score model {} {} ({} signals, fitted against {})", score->header().name,
                                    score->header().version, score->signals().size(), score->header().model_name));
    }
    if (const auto* host = detector.host_model())
        parts.push_back(fmt::format("host model {} {} ({} weights, checksum ok)", host->header().name,
                                    host->header().version, std::size_t{1} << host->header().features.hash_bits));
    return parts.empty() ? std::string("no model") : fmt::format("{}", fmt::join(parts, ", "));
}

// `check`: everything loaded (or the error was already reported), then every signature example
// and every protected-brand example.
int run_check(const AppConfig& config, const policy::Detection& detection, std::ostream& out, Logger& log) {
    const auto failures = detect::run_examples(detection.detector);
    for (const auto& f : failures) {
        log.error("{}:{}: signature {} ({}): example {} {}: \"{}\"", f.signature->file, f.signature->line, f.signature->id,
                  f.signature->name, f.should_match ? "must match but does not" : "must not match but does",
                  f.should_match ? "(examples.match)" : "(examples.no_match)", f.example);
    }
    const auto brand_failures = detect::run_lookalike_examples(detection.detector);
    const auto* lookalike = detection.detector.lookalike();
    for (const auto& f : brand_failures) {
        log.error("{}:{}: protected brand '{}': example {} {}: \"{}\"{}", lookalike->registry().source, f.example->line,
                  f.brand->name, f.should_match ? "must match but does not" : "must not match but does",
                  f.should_match ? "(examples.match)" : "(examples.no_match)", f.example->text,
                  f.got.empty() ? "" : fmt::format(" ({})", f.got));
    }
    const auto& engine = detection.detector.engine();
    std::size_t examples = 0;
    for (const auto& s : engine.signatures()) examples += s.examples.match.size() + s.examples.no_match.size();
    const std::size_t brand_examples = detect::lookalike_example_count(detection.detector);
    if (!failures.empty()) log.error("{} of {} signature examples failed", failures.size(), examples);
    if (!brand_failures.empty()) log.error("{} of {} protected-brand examples failed", brand_failures.size(), brand_examples);
    if (!failures.empty() || !brand_failures.empty()) return 1;
    out << fmt::format("{}: configuration is valid; {} signatures in {} databases ({} compiled, {} from cache), {} examples "
                       "pass; {} protected brands, {} look-alike examples pass; {}; {} policy rules ({} mode); {} trunks\n",
                       config.source_path.empty() ? "built-in defaults" : config.source_path, engine.signatures().size(),
                       engine.info().databases, engine.info().compiled, engine.info().from_cache, examples,
                       lookalike ? lookalike->registry().brands.size() : 0, brand_examples,
                       models_summary(detection.detector), detection.policy.rules.size(), policy::mode_name(detection.policy.mode),
                       detection.detector.trunks().trunks().size());
    return 0;
}

// `run`'s command-line values; options() turns those given into RunOptions (the others leave the
// configuration in force).
struct RunArgs {
    std::vector<std::string> interfaces;
    std::string mode;
    std::string bpf;
    std::string policy;
    std::string events;
    std::string stats;
    std::string control;
    int queue = 0;
    std::size_t snaplen = 0;
    std::size_t buffer_mb = 0;
    double duration_s = 0;
    // Non-owning: the CLI::App owns its options.
    CLI::Option* mode_opt = nullptr;
    CLI::Option* queue_opt = nullptr;
    CLI::Option* bpf_opt = nullptr;
    CLI::Option* snaplen_opt = nullptr;
    CLI::Option* buffer_opt = nullptr;
    bool active_replies = false;
    std::string user;
    std::string group;
    std::string metrics_listen;

    void add_to(CLI::App& cmd, std::vector<std::string>& trunks) {
        mode_opt = cmd.add_option("--mode", mode,
                                  "passive (a copy of the traffic: mirror port or TAP), nfqueue (inline through "
                                  "netfilter), bridge (inline between two interfaces) (capture.mode)")
                       ->check(CLI::IsMember({"passive", "nfqueue", "bridge"}));
        cmd.add_option("--interface", interfaces,
                       "interface to capture on (repeatable; bridge takes exactly two) (capture.interfaces)");
        queue_opt = cmd.add_option("--queue", queue, "NFQUEUE number (nfqueue mode; capture.queue)")
                        ->check(CLI::Range(0, 65535));
        bpf_opt = cmd.add_option("--bpf", bpf,
                                 "BPF capture filter (capture.bpf; default: built from sip.ports and smpp.ports, or "
                                 "every IP packet when sip.detect_any_port is true)");
        snaplen_opt = cmd.add_option("--snaplen", snaplen, "bytes kept of each frame (capture.snaplen)")
                          ->check(CLI::Range(64, 262144));
        buffer_opt = cmd.add_option("--buffer-mb", buffer_mb, "kernel capture buffer per interface, MiB (capture.buffer_mb)")
                         ->check(CLI::Range(1, 4096));
        cmd.add_option("--policy", policy, "policy file (detection.policy)");
        cmd.add_option("--trunk", trunks, "define a trunk for this run: NAME:ROLE:CIDR[,CIDR...] (repeatable)");
        cmd.add_option("--events", events, "write JSONL events to PATH ('-' for stdout), one flushed line per contact");
        cmd.add_option("--stats", stats, "print counters on exit: json or text")->check(CLI::IsMember({"json", "text"}));
        cmd.add_option("--duration", duration_s, "stop after SECONDS (for tests and trials)")->check(CLI::Range(0.0, 1e9));
        cmd.add_flag("--active-replies", active_replies,
                     "passive mode: inject the SIP response of an enforced reject (capture.active_replies)");
        cmd.add_option("--user", user, "switch to USER once the captures are open (daemon.user)");
        cmd.add_option("--group", group, "group for --user (daemon.group; default: the user's primary group)");
        cmd.add_option("--control", control,
                       "control socket for `scamgate reload` (control.socket; default /run/scamgate/control.sock as "
                       "root, else $XDG_RUNTIME_DIR/scamgate.sock)");
        cmd.add_option("--metrics", metrics_listen,
                       "serve Prometheus metrics at http://ADDR/metrics: PORT or :PORT listen on 127.0.0.1 only; "
                       "another address (0.0.0.0:PORT, [::]:PORT) must be written out (metrics.listen; default off; "
                       "docs/metrics.md)")
            ->check(CLI::Validator(
                [](const std::string& text) { return metrics::parse_listen_address(text).error; }, "ADDR", "listen address"));
    }

    daemon::RunOptions options() const {
        daemon::RunOptions o;
        o.interfaces = interfaces;
        o.events_path = events;
        o.duration_s = duration_s;
        o.control_path = control;
        if (mode_opt->count() > 0) o.mode = mode;
        if (queue_opt->count() > 0) o.queue = queue;
        if (bpf_opt->count() > 0) o.bpf = bpf;
        if (snaplen_opt->count() > 0) o.snaplen = snaplen;
        if (buffer_opt->count() > 0) o.buffer_mb = buffer_mb;
        if (active_replies) o.active_replies = true;
        if (!user.empty()) o.user = user;
        if (!group.empty()) o.group = group;
        if (!metrics_listen.empty()) o.metrics = metrics::parse_listen_address(metrics_listen).address;
        o.stats = stats == "json" ? StatsFormat::json : stats == "text" ? StatsFormat::text : StatsFormat::none;
        return o;
    }
};

// `scamgate lists ...`: the request to send to a running `scamgate run` and what to do with it.
struct ListsArgs {
    std::string control;
    std::string entry;          // add, remove
    double ttl_s = 0;           // add --ttl (0: lists.learned_ttl of the daemon)
    std::string output;         // export -o
    std::string import_file;    // import
};

// The control socket `reload` and `lists` talk to: --control, else control.socket, else the default.
std::string control_path_of(const std::string& option, const AppConfig& config) {
    return !option.empty() ? option : !config.control_socket.empty() ? config.control_socket : daemon::default_control_path();
}

// Writes an export (mode 0600: it names people's numbers) to `path`, or stdout for "" / "-".
bool write_export(const std::string& path, const std::string& text, Logger& log) {
    if (path.empty() || path == "-") {
        std::cout << text;
        std::cout.flush();
        return true;
    }
    const mode_t previous = ::umask(0077);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    ::umask(previous);
    file << text;
    file.close();
    if (!file) {
        log.error("{}: cannot write the export", path);
        return false;
    }
    return true;
}

// Sends `request` (and `body`) to the daemon; prints the answer (for export, writes the text
// after its "ok" line to -o). 0 when the answer is "ok ...", 1 otherwise.
int lists_request(const std::string& path, const std::string& request, const std::string& body, const ListsArgs& args,
                  bool is_export, Logger& log) {
    const auto reply = daemon::control_request(path, request, body, log);
    if (!reply) return 1;
    const bool ok = reply->rfind("ok ", 0) == 0;
    if (!ok || !is_export) {
        (ok ? std::cout : std::cerr) << *reply << (reply->ends_with('\n') ? "" : "\n");
        return ok ? 0 : 1;
    }
    const auto nl = reply->find('\n');
    return write_export(args.output, nl == std::string::npos ? std::string() : reply->substr(nl + 1), log) ? 0 : 1;
}

// The learned list this run uses (lists.learned), loaded from its file into `learned`; left
// empty when off. Throws LearnedListError (FILE:LINE).
void load_learned(const AppConfig& config, std::optional<lists::LearnedList>& learned) {
    if (config.learned.path.empty()) return;
    learned.emplace(config.learned.max_entries, config.learned.ttl / kNanosPerSecond);
    learned->load_file(config.learned.path, static_cast<std::int64_t>(std::time(nullptr)));
}

LogLevel level_of(const CommonOptions& common) {
    if (common.quiet) return LogLevel::error;
    return common.verbose ? LogLevel::debug : LogLevel::info;
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app{"scamgate: finds and stops scam calls and scam SMS in SIP and SMS gateway traffic"};
    app.require_subcommand(1);
    app.set_version_flag("--version", kVersion);
    bool help_config = false;
    app.add_flag_callback("--help-config", [&] { help_config = true; },
                          "list every configuration parameter with its range, default and meaning, then exit");

    CommonOptions common;
    ReplayOptions replay;
    std::string stats_format;
    std::vector<int> extra_sip_ports;
    auto* replay_cmd = app.add_subcommand("replay", "decode pcap/pcapng files through the full pipeline");
    add_common(*replay_cmd, common);
    replay_cmd->add_option("FILE", replay.inputs, "capture files (pcap or pcapng), or folders of them")
        ->required();
    replay_cmd->add_option("--events", replay.events_path, "write JSONL events to PATH ('-' for stdout)");
    std::string replay_metrics;
    replay_cmd
        ->add_option("--metrics", replay_metrics,
                     "serve Prometheus metrics at http://ADDR/metrics while the replay runs (for long replays; it stops "
                     "when the replay ends): PORT or :PORT listen on 127.0.0.1 only. Only this flag turns it on for "
                     "replay, not metrics.listen (docs/metrics.md)")
        ->check(CLI::Validator(
            [](const std::string& text) { return metrics::parse_listen_address(text).error; }, "ADDR", "listen address"));
    replay_cmd->add_option("--stats", stats_format, "print counters at the end: json or text")
        ->check(CLI::IsMember({"json", "text"}));
    replay_cmd->add_flag("--join", replay.join,
                         "treat the files as one continuous capture (state carries across files)");
    replay_cmd->add_flag("--redact-text", replay.redact_text,
                         "replace SMS text in events and the table with its length and a hash (output.redact_text)");
    bool learn = false;
    replay_cmd->add_flag("--learn", learn,
                         "write what the replay's findings added to the learned list back to lists.learned (without "
                         "it the file is read, never written: an analyst's replay does not change the carrier's list)");
    replay_cmd->add_option("--sip-port", extra_sip_ports, "also treat PORT as a SIP port (repeatable)")
        ->check(CLI::Range(1, 65535));

    std::string workers_option;
    replay_cmd
        ->add_option("--workers", workers_option,
                     "worker threads to shard packets over: N (1..64) or auto (one per core); events are the same, "
                     "their order varies with N > 1 (pipeline.workers, default 1)")
        ->check(CLI::Validator(
            [](const std::string& text) {
                return WorkerCount::parse(text) ? std::string() : std::string("use auto or a number 1..64");
            },
            "N|auto"));

    std::vector<std::string> trunk_options;
    replay_cmd->add_option("--trunk", trunk_options,
                           "define a trunk for this run: NAME:ROLE:CIDR[,CIDR...] (repeatable), e.g. "
                           "intl:international:203.0.113.0/24");

    RunArgs run_args;
    auto* run_cmd = app.add_subcommand(
        "run", "capture live traffic in the foreground and write an event as each call or SMS finishes; "
               "SIGINT/SIGTERM stop it (drain, flush, stats). Modes: passive (a copy of the traffic), nfqueue and bridge "
               "(inline: drop, reject and tag carried out; docs/operations.md)");
    add_common(*run_cmd, common);
    run_args.add_to(*run_cmd, trunk_options);
    run_cmd
        ->add_option("--workers", workers_option,
                     "worker threads: N (1..64) or auto (one per core). nfqueue: one queue each, --queue Q to Q+N-1, "
                     "which the rule must spread over with --queue-balance Q:Q+N-1; passive and bridge: each worker "
                     "gets its share of every interface (AF_PACKET fanout by IP address pair) (pipeline.workers, "
                     "default 1; docs/operations.md)")
        ->check(CLI::Validator(
            [](const std::string& text) {
                return WorkerCount::parse(text) ? std::string() : std::string("use auto or a number 1..64");
            },
            "N|auto"));

    std::string reload_control;
    auto* reload_cmd = app.add_subcommand(
        "reload", "ask a running `scamgate run` to reload its configuration, plan, lists, packs and policy (like "
                  "SIGHUP) through its control socket; prints \"ok N signatures\" (exit 0) or \"error ...\" (exit 1)");
    add_common(*reload_cmd, common);
    reload_cmd->add_option("--control", reload_control,
                           "the control socket (default: control.socket of -c CONFIG, else /run/scamgate/control.sock "
                           "as root, else $XDG_RUNTIME_DIR/scamgate.sock)");


    ListsArgs lists_args;
    auto* lists_cmd = app.add_subcommand(
        "lists", "show and edit the learned block list (lists.learned) of a running `scamgate run` through its "
                 "control socket; export it as a plain list, import one (docs/operations.md)");
    add_common(*lists_cmd, common);
    lists_cmd->add_option("--control", lists_args.control,
                          "the control socket (default: control.socket of -c CONFIG, else /run/scamgate/control.sock "
                          "as root, else $XDG_RUNTIME_DIR/scamgate.sock)");
    lists_cmd->require_subcommand(1);
    auto* lists_show = lists_cmd->add_subcommand("show", "print every entry: number or domain, expiry, when added, by what");
    auto* lists_add = lists_cmd->add_subcommand("add", "put a number (E.164 with '+') or a domain on the list");
    lists_add->add_option("ENTRY", lists_args.entry, "+E164 number or registrable domain")->required();
    lists_add->add_option("--ttl", lists_args.ttl_s, "seconds it stays (default lists.learned_ttl)")->check(CLI::Range(1.0, 315360000.0));
    auto* lists_remove = lists_cmd->add_subcommand("remove", "take a number or domain off the list");
    lists_remove->add_option("ENTRY", lists_args.entry, "+E164 number or registrable domain")->required();
    auto* lists_export = lists_cmd->add_subcommand("export", "write the list as plain text, one entry a line (for banks, the police)");
    lists_export->add_option("-o,--output", lists_args.output, "file to write (mode 0600; default stdout)");
    auto* lists_import = lists_cmd->add_subcommand("import", "add the entries of FILE (an export, or one number or domain a line)");
    lists_import->add_option("FILE", lists_args.import_file, "the file")->required();
    for (auto* sub : {lists_show, lists_add, lists_remove, lists_export, lists_import}) sub->fallthrough();

    auto* check_cmd = app.add_subcommand(
        "check", "validate the configuration, numbering plan, lists, signature packs (running every example) and "
                 "policy; exit non-zero with FILE:LINE messages");
    add_common(*check_cmd, common);
    std::vector<std::string> model_override;
    check_cmd->add_option("--model", model_override, "check this model file instead of detection.model (repeatable)");
    std::string score_model_override;
    check_cmd->add_option("--score-model", score_model_override,
                          "check this score model instead of detection.score_model (\"none\": the capped sum)");
    std::string host_model_override;
    check_cmd->add_option("--host-model", host_model_override, "check this URL host model file instead of detection.host_model");

    TryOptions try_options;
    auto* try_cmd = app.add_subcommand("try", "run one SMS text or call through detection and policy and show why");
    add_common(*try_cmd, common);
    auto* sms_opt = try_cmd->add_option("--sms", try_options.sms, "the SMS text");
    auto* lines_opt = try_cmd->add_option("--sms-lines", try_options.sms_lines,
                                          "a file of SMS texts, one per line: one JSON object per line, in order");
    auto* call_opt = try_cmd->add_flag("--call", try_options.call, "a call from --from to --to");
    sms_opt->excludes(lines_opt)->excludes(call_opt);
    lines_opt->excludes(call_opt);
    try_cmd->add_option("--from", try_options.from, "caller number, or SMS sender (number or alphanumeric)");
    try_cmd->add_option("--to", try_options.to, "callee or recipient number");
    try_cmd->add_option("--account", try_options.account, "SMPP account (system_id) that submits the SMS");
    try_cmd->add_option("--ingress", try_options.ingress, "a configured trunk's name, or a role (international, domestic, ...)");
    try_cmd->add_option("--trunk", trunk_options, "define a trunk for this run: NAME:ROLE:CIDR[,CIDR...] (repeatable)");
    try_cmd->add_flag("--json", try_options.json, "print one JSON object (score, hits, checks, model, action, ...)");
    try_cmd->add_option("--model", model_override, "use this model file instead of detection.model (repeatable)");
    try_cmd->add_option("--score-model", score_model_override,
                        "use this score model instead of detection.score_model (\"none\": the capped sum of hand-set "
                        "scores; a --model needs the score model fitted against it, or none)");
    try_cmd->add_option("--host-model", host_model_override, "use this URL host model file instead of detection.host_model");

    // --help-config is allowed without a subcommand.
    app.require_subcommand(0, 1);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11 prints the message (or the help) and has its own codes (105 for a bad value);
        // the README promises 2 for any bad command line.
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (help_config) {
        std::cout << describe_parameters();
        return 0;
    }
    if (app.get_subcommands().empty()) {
        std::cerr << app.help();
        return 2;
    }

    Logger log(std::cerr, level_of(common));
    AppConfig config;
    try {
        config = load_or_default(common);
    } catch (const ConfigError& e) {
        log.error("{}", e.what());
        return 2;
    }
    if (reload_cmd->parsed()) return daemon::send_reload(control_path_of(reload_control, config), std::cout, log);
    if (lists_cmd->parsed()) {
        const std::string path = control_path_of(lists_args.control, config);
        if (lists_show->parsed()) return lists_request(path, "lists show", "", lists_args, false, log);
        if (lists_export->parsed()) return lists_request(path, "lists export", "", lists_args, true, log);
        if (lists_remove->parsed()) return lists_request(path, "lists remove " + lists_args.entry, "", lists_args, false, log);
        if (lists_add->parsed()) {
            const std::string ttl = lists_args.ttl_s > 0 ? fmt::format(" {}", static_cast<std::int64_t>(lists_args.ttl_s)) : "";
            return lists_request(path, "lists add " + lists_args.entry + ttl, "", lists_args, false, log);
        }
        // import: the file is read and checked here (FILE:LINE errors), the daemon gets its text.
        std::ifstream in(lists_args.import_file, std::ios::binary);
        if (!in) {
            log.error("{}: cannot read", lists_args.import_file);
            return 2;
        }
        std::ostringstream text;
        text << in.rdbuf();
        try {
            lists::parse_learned_text(text.str(), lists_args.import_file, 0, 0);
        } catch (const lists::LearnedListError& e) {
            log.error("{}", e.what());
            return 2;
        }
        return lists_request(path, "lists import", text.str(), lists_args, false, log);
    }
    if (!model_override.empty()) {
        config.detection.models.clear();
        for (const auto& m : model_override) config.detection.models.push_back(std::filesystem::absolute(m).string());
    }
    if (!score_model_override.empty()) {
        config.detection.score_model =
            score_model_override == "none" ? std::string() : std::filesystem::absolute(score_model_override).string();
    }
    if (!host_model_override.empty()) config.detection.host_model = std::filesystem::absolute(host_model_override).string();
    for (int port : extra_sip_ports) config.pipeline.sip.ports.push_back(static_cast<std::uint16_t>(port));
    if (!workers_option.empty()) config.workers = *WorkerCount::parse(workers_option);
    const std::string policy_override =
        run_args.policy.empty() ? std::string() : std::filesystem::absolute(run_args.policy).string();
    if (!policy_override.empty()) config.policy_path = policy_override;

    std::vector<detect::Trunk> extra_trunks;
    try {
        for (const auto& t : trunk_options) extra_trunks.push_back(detect::parse_trunk_option(t));
    } catch (const detect::TrunkError& e) {
        log.error("{}", e.what());
        return 2;
    }
    if (try_cmd->parsed() && !try_options.sms && try_options.sms_lines.empty() && !try_options.call) {
        log.error("try: give --sms TEXT, --sms-lines FILE or --call");
        return 2;
    }
    daemon::RunOptions run = run_args.options();
    if (run_cmd->parsed()) {
        if (auto code = daemon::check_run(run_settings(config), run, log)) return *code;
        const std::string mode = daemon::effective_capture(config.capture, run).mode;
        if (run.queue && mode != "nfqueue") log.warn("--queue applies to nfqueue mode; ignored in {} mode", mode);
        if (run.active_replies && mode != "passive") {
            log.warn("--active-replies applies to passive mode; {} mode answers rejects itself", mode);
        }
    }
    std::optional<policy::Detection> detection;
    if (config.detection_enabled || check_cmd->parsed() || try_cmd->parsed()) {
        try {
            detection.emplace(load_detection(config, extra_trunks, log));
        } catch (const ConfigError& e) {
            log.error("{}", e.what());
            return 2;
        }
    }
    // One behaviour state for the whole process (every worker), sized once; a reload changes its
    // thresholds, not its tables. Switching behaviour on needs a restart.
    std::optional<behaviour::Engine> behaviour;
    if (config.detection_enabled && config.behaviour.enabled && (run_cmd->parsed() || replay_cmd->parsed())) {
        // behaviour.redis: connects and loads the shared state before the first packet is read.
        behaviour::SharingSettings sharing;
        sharing.url = config.behaviour_redis;
        sharing.instance = config.behaviour_redis_instance;
        sharing.interval = config.behaviour_redis_interval;
        behaviour.emplace(config.behaviour_capacity, sharing, log);
    }
    // The learned list: one table for the process, like behaviour's state; a bad line stops the start.
    std::optional<lists::LearnedList> learned;
    if (config.detection_enabled && (run_cmd->parsed() || replay_cmd->parsed())) {
        try {
            load_learned(config, learned);
        } catch (const lists::LearnedListError& e) {
            log.error("{}", e.what());
            return 2;
        }
    }
    // behaviour.redis: the learned list is shared with every scamgate on that Redis; read once
    // (bounded) before the first packet, so a replay sees what the other instances learned.
    std::optional<lists::LearnedSync> learned_sync;
    if (learned && !config.behaviour_redis.empty()) {
        learned_sync.emplace(*learned, lists::LearnedSyncOptions{.endpoint = redis::parse_url(config.behaviour_redis)}, log);
        learned_sync->load_initial(std::chrono::seconds(2));
    }
    if (check_cmd->parsed()) return run_check(config, *detection, std::cout, log);
    if (try_cmd->parsed()) return run_try(*detection, try_options, std::cout, log);
    if (run_cmd->parsed()) {
        if (config.detection_enabled) run.detection = &*detection;
        if (behaviour) run.behaviour = &*behaviour;
        if (learned) {
            run.learned = &*learned;
            run.learned_path = config.learned.path;
            if (learned_sync) run.learned_sync = &*learned_sync;
        }
        if (run.control_path.empty()) run.control_path = config.control_socket;
        if (!run.metrics) run.metrics = config.metrics_listen;
        run.version = kVersion;
        // A reload reads the same files again, with the same command-line overrides on top.
        run.reload = [&common, &log, policy_override, extra_trunks]() -> std::shared_ptr<const policy::Detection> {
            AppConfig fresh = load_or_default(common);
            if (!policy_override.empty()) fresh.policy_path = policy_override;
            return std::make_shared<const policy::Detection>(load_detection(fresh, extra_trunks, log));
        };
        try {
            return daemon::run_live(run_settings(config), run, std::cout, log);
        } catch (const std::exception& e) {
            log.error("{}", e.what());
            return 2;
        }
    }
    if (config.detection_enabled) replay.detection = &*detection;
    if (behaviour) replay.behaviour = &*behaviour;
    if (learned) replay.learned = &*learned;
    if (learned_sync) replay.learned_sync = &*learned_sync;
    if (learn && !learned) log.warn("--learn: lists.learned is empty (or detection is off): nothing to write");
    if (!replay_metrics.empty()) replay.metrics = metrics::parse_listen_address(replay_metrics).address;
    replay.version = kVersion;
    replay.stats = stats_format == "json" ? StatsFormat::json
                   : stats_format == "text" ? StatsFormat::text
                                            : StatsFormat::none;
    try {
        const int code = run_replay(config, replay, std::cout, log);
        if (learn && learned) learned->save_file(config.learned.path, static_cast<std::int64_t>(std::time(nullptr)));
        return code;
    } catch (const std::exception& e) {
        log.error("{}", e.what());
        return 2;
    }
}

}  // namespace scamgate::app
