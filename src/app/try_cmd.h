#pragma once
// `scamgate try`: one SMS text or call through detection and policy, printing the text views,
// extractions, hits, checks, score, the deciding rule and its action (or one JSON object).
#include <optional>
#include <ostream>
#include <string>

#include "app/replay.h"

namespace scamgate::app {

struct TryOptions {
    std::optional<std::string> sms;     // --sms TEXT
    std::string sms_lines;              // --sms-lines FILE: one message per line, one JSON per line
    bool call = false;                  // --call
    std::string from;
    std::string to;
    std::string account;
    std::string ingress;                // a trunk's name or a role
    bool json = false;
};

// Returns the exit status: 0, or 2 when the input cannot be read.
int run_try(const policy::Detection& detection, const TryOptions& options, std::ostream& out, Logger& log);

}  // namespace scamgate::app
