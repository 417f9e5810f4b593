#pragma once
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "app/config.h"
#include "common/log.h"
#include "detect/detector.h"
#include "lists/learned_sync.h"
#include "metrics/listen_address.h"
#include "policy/detection_set.h"
#include "policy/policy.h"
#include "policy/stage.h"

namespace scamgate::app {

// Loads the detector and the policy named by the config, with `extra_trunks` (--trunk) added
// before the configured ones. Throws ConfigError with FILE:LINE for anything wrong.
policy::Detection load_detection(const AppConfig& config, const std::vector<detect::Trunk>& extra_trunks, Logger& log);

struct ReplayOptions {
    std::vector<std::string> inputs;  // files or folders (folders: their *.pcap, *.pcapng, *.cap)
    std::string events_path;          // overrides the config's output.events when set
    StatsFormat stats = StatsFormat::none;
    bool join = false;                // treat the files as one continuous capture
    bool redact_text = false;         // on top of the config's output.redact_text
    const policy::Detection* detection = nullptr;  // null: no verdicts
    behaviour::Engine* behaviour = nullptr;        // null: no behaviour findings (shared by every worker)
    lists::LearnedList* learned = nullptr;         // null: no learned list (lists.learned empty); shared too
    lists::LearnedSync* learned_sync = nullptr;    // behaviour.redis: closed (changes sent) before the stats
    std::optional<metrics::ListenAddress> metrics;  // --metrics: serve /metrics while the replay runs; none: off
    std::string version;                            // scamgate_build_info{version}
};

// Replays the inputs through one worker. Returns the process exit code: 0, or 1 when an input
// could not be read at all (unreadable, unsupported link type). Damaged packets never fail a run.
int run_replay(const AppConfig& config, const ReplayOptions& options, std::ostream& out, Logger& log);

// A replay worker's detection stage (none without detection): the worker's decider, and the first
// sink of its records, in front of `next`.
// `behaviour` and `learned` (not owned, may be null) are the process's one behaviour state and
// learned list.
std::optional<policy::DetectionStage> detection_stage_for(const policy::Detection* detection, record::ContactSink& next,
                                                          behaviour::Engine* behaviour, lists::LearnedList* learned);
// The worker's first sink and decider for `stage` (the stage itself, or `output` and none).
record::ContactSink& first_sink_of(std::optional<policy::DetectionStage>& stage, record::ContactSink& output);
record::ContactDecider* decider_of(std::optional<policy::DetectionStage>& stage);

// Expands folders into their capture files, sorted; plain paths are kept as given.
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs);

}  // namespace scamgate::app
