#include "app/cli.h"

#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app/config.h"
#include "app/replay.h"

namespace scamgate::app {

namespace {

constexpr const char* kVersion = "0.1.0";

struct CommonOptions {
    std::string config_path;
    bool verbose = false;
    bool quiet = false;
};

// Loads -c CONFIG, or the built-in defaults (identical to config/scamgate.yaml) without -c.
AppConfig load_or_default(const CommonOptions& common) {
    if (common.config_path.empty()) return AppConfig{};
    return load_config(common.config_path);
}

void add_common(CLI::App& cmd, CommonOptions& common) {
    cmd.add_option("-c,--config", common.config_path, "configuration file (default: built-in defaults, "
                                                      "the same as config/scamgate.yaml)");
    cmd.add_flag("-v,--verbose", common.verbose, "log debug detail to stderr");
    cmd.add_flag("-q,--quiet", common.quiet, "log only errors to stderr");
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
    replay_cmd->add_option("--stats", stats_format, "print counters at the end: json or text")
        ->check(CLI::IsMember({"json", "text"}));
    replay_cmd->add_flag("--join", replay.join,
                         "treat the files as one continuous capture (state carries across files)");
    replay_cmd->add_flag("--redact-text", replay.redact_text,
                         "replace SMS text in events and the table with its length and a hash (output.redact_text)");
    replay_cmd->add_option("--sip-port", extra_sip_ports, "also treat PORT as a SIP port (repeatable)")
        ->check(CLI::Range(1, 65535));

    auto* check_cmd = app.add_subcommand("check", "validate the configuration and exit (non-zero on error)");
    add_common(*check_cmd, common);

    // --help-config is allowed without a subcommand.
    app.require_subcommand(0, 1);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
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
    for (int port : extra_sip_ports) config.pipeline.sip.ports.push_back(static_cast<std::uint16_t>(port));

    if (check_cmd->parsed()) {
        std::cout << fmt::format("{}: configuration is valid\n",
                                 common.config_path.empty() ? "built-in defaults" : common.config_path);
        return 0;
    }
    replay.stats = stats_format == "json" ? StatsFormat::json
                   : stats_format == "text" ? StatsFormat::text
                                            : StatsFormat::none;
    try {
        return run_replay(config, replay, std::cout, log);
    } catch (const std::exception& e) {
        log.error("{}", e.what());
        return 2;
    }
}

}  // namespace scamgate::app
