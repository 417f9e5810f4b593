#pragma once
// What detection and policy concluded about one contact: the ingress trunk, signature hits, named
// checks, the score, and the rule that decided with its action.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scamgate::record {

struct SignatureHit {
    std::uint32_t id = 0;
    std::string name;
    std::string category;
    std::string field;     // "text", "url_host", "user_agent", ...
    std::string view;      // for text: raw, folded or deobfuscated
    std::string value;     // what was matched for fields other than text (the URL, host, UA, ...)
    int score = 0;

    bool operator==(const SignatureHit&) const = default;
};

struct CheckFinding {
    std::string name;      // cli.domestic_on_international, sms.brand_unregistered, ...
    std::string evidence;  // one line: the numbers, trunk and role that made it fire
    int score = 0;

    bool operator==(const CheckFinding&) const = default;
};

// The trained text model's opinion of an SMS (detect/text_model.h): its probability of scam, and
// the score the policy's model bands give that probability.
struct ModelScore {
    std::string name;
    std::string version;
    double probability = 0.0;
    int score = 0;

    bool operator==(const ModelScore&) const = default;
};

// One signal's part in a calibrated score (detect/score_model.h): value x weight log-odds.
struct ScoreContribution {
    std::string signal;  // model_logit, signatures, category:NAME, check:NAME, list:NAME
    double value = 0.0;
    double weight = 0.0;

    bool operator==(const ScoreContribution&) const = default;
};

// How a calibrated score came about: the score model, its intercept, the signals present and the
// resulting probability (the score is its percentage).
struct ScoreBreakdown {
    std::string name;
    std::string version;
    double intercept = 0.0;
    std::vector<ScoreContribution> contributions;
    double probability = 0.0;

    bool operator==(const ScoreBreakdown&) const = default;
};

// The URL host model's opinion of an SMS's links (detect/text_model.h, kind url_host): the host
// with the highest probability of serving phishing, and that probability.
struct HostModelScore {
    std::string name;
    std::string version;
    double probability = 0.0;
    std::string host;

    bool operator==(const HostModelScore&) const = default;
};

// Why a tag, drop or reject was not carried out on the wire (the event's not_enforced_reason).
// A closed set; the names are the JSON values (docs/events.md).
enum class NotEnforcedReason : std::uint8_t {
    monitor,               // the policy or the rule is in monitor mode
    offline,               // replay, try: there is no wire
    passive,               // passive capture: traffic is only copied (an active reply answers only)
    tcp_tag_unsupported,   // tag on SIP over TCP or WebSocket
    smpp_tag_unsupported,  // tag on SMPP
    submit_multi,          // an SMPP submit_multi is never changed inline
    sctp,                  // SIP over SCTP: every action is an alert inline
    tcp_unsafe,            // the bytes to change are not all in the packet being verdicted
    not_changeable,        // a UDP tag that cannot be built (reassembled, tunnelled)
    fail_open,             // decided and acted on, but the packet went on unchanged (verdict or inject failed)
    not_seen_inline,       // the inline gate never decided on this message
    decided_otherwise,     // the inline gate applied a different action
    partial,               // a multi-part SMS: some parts were applied, some not
};

std::string_view not_enforced_reason_name(NotEnforcedReason reason);

// allow and alert have nothing to carry out on the wire; tag, drop and reject do.
inline bool acts_on_wire(std::string_view action) { return action == "tag" || action == "drop" || action == "reject"; }

struct Verdict {
    std::string trunk;     // the ingress trunk's name; empty when no trunk matched
    std::string role;      // its role (international, domestic, customer, ...); "unknown" when none
    std::vector<SignatureHit> hits;
    std::vector<CheckFinding> checks;
    std::vector<std::string> categories;  // distinct categories of the hits, sorted
    std::vector<std::string> lists;       // lists the contact is on: block_numbers, allow_domains, ...
    std::optional<ModelScore> model;      // SMS with text, when a model is loaded
    std::optional<HostModelScore> host_model;   // SMS with a URL, when a host model is loaded
    std::optional<ScoreBreakdown> calibration;  // SMS with text, when a score model is loaded
    // The calibrated probability in percent when `calibration` is set; otherwise the sum of the
    // hits', checks' and the model band's scores, capped at 100.
    int score = 0;
    std::string rule;                     // the policy rule that decided ("default" when none matched)
    std::string action;                   // allow, alert, tag, drop, reject: decided in either mode
    bool policy_enforces = false;         // the policy (or rule) is in enforce mode and the action is not allow
    // True only when the action was carried out on the wire; false for allow and alert (nothing to
    // do), and with `not_enforced_reason` set for a tag, drop or reject that was not carried out.
    // Filled by the detection stage (policy/stage.h), which knows where the traffic came from.
    bool enforced = false;
    std::optional<NotEnforcedReason> not_enforced_reason;
    std::optional<int> sip_status;        // reject: the SIP final response to send
    std::string sip_reason;
    std::optional<std::uint32_t> smpp_status;  // reject: the command_status to answer with
    std::vector<std::string> tags;
    // tag: SIP headers to insert (name, value; rendered from the policy's tag_headers) and a prefix
    // for the caller's display name ("" for none). Applied inline on SIP over UDP only.
    std::vector<std::pair<std::string, std::string>> tag_headers;
    std::string display_name_prefix;
    // Internal, not written: behaviour counted this call as open when it was decided (behaviour/),
    // so the detection stage closes it exactly once when its record ends.
    bool behaviour_open = false;

    bool operator==(const Verdict&) const = default;
};

}  // namespace scamgate::record
