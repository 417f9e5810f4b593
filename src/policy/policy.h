#pragma once
// The operator's policy (config/policy.yaml; schema in docs/policy.md): ordered rules, first match
// wins, each `when` (conditions on the record and its detection) -> `then` (an action). A global
// mode (monitor or enforce) with a per-rule override: in monitor mode the action is still decided
// and reported, but marked as not enforced.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "detect/detector.h"
#include "record/contact.h"

namespace scamgate::policy {

enum class Mode : std::uint8_t { monitor, enforce };
enum class Action : std::uint8_t { allow, alert, tag, drop, reject };

std::string_view action_name(Action action);
std::string_view mode_name(Mode mode);

// Every listed condition must hold; a list holds when any of its items does.
struct Condition {
    std::optional<record::ContactKind> kind;
    std::vector<std::string> protocols;   // sip, smpp
    std::vector<std::string> directions;  // to_network, from_network
    std::vector<std::string> trunks;
    std::vector<std::string> roles;
    std::vector<std::string> categories;  // exact, or a prefix ending in '*' ("impersonation.*")
    std::vector<std::uint32_t> signatures;
    std::vector<std::string> checks;
    std::vector<std::string> lists;       // block_numbers, allow_numbers, do_not_originate, block_domains, allow_domains
    std::optional<int> score_min;         // inclusive
    std::optional<int> score_max;         // inclusive
};

struct Rule {
    std::string name;
    Condition when;
    Action action = Action::alert;
    std::optional<Mode> mode;             // overrides the global mode for this rule
    int sip_status = 603;                 // reject: SIP final response
    std::string sip_reason = "Decline";
    std::uint32_t smpp_status = 0x00000045;  // reject: ESME_RSUBMITFAIL
    std::vector<std::string> tags;
    std::string display_name_prefix;      // tag: put before the caller's display name (SIP)
    std::string file;
    int line = 0;
};

// A SIP header a tag action inserts: its value is a template where {score}, {rule}, {tags} and
// {categories} are replaced (lists comma-separated, "none" when empty).
struct TagHeader {
    std::string name;
    std::string value_template;
};

// The headers inserted when the policy has no tag_headers.
std::vector<TagHeader> default_tag_headers();

struct Policy {
    Mode mode = Mode::monitor;
    std::vector<TagHeader> tag_headers = default_tag_headers();
    std::vector<Rule> rules;
    Action default_action = Action::allow;
    std::map<std::string, int, std::less<>> check_scores;  // overrides of the checks' default scores
    std::vector<detect::ModelBand> model_scores = detect::default_model_bands();  // model probability -> score
    std::string file;
};

class PolicyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Every name a rule's `checks` and `check_scores` may use: the detector's checks, then the
// behaviour findings.
std::vector<std::string> known_check_names();

// Throws PolicyError "FILE:LINE: what is wrong; what to do". `known_checks` validates check names.
Policy load_policy(const std::string& path, const std::vector<std::string>& known_checks);

// Which way an SMS goes relative to the network: submit_sm, data_sm and SMS-SUBMIT go to the
// network, deliver_sm and SMS-DELIVER come from it; calls go to the network.
std::string_view direction_of(const record::Contact& contact);

// Re-scores the checks with the policy's overrides, then fills rule, action, policy_enforces and the
// reject/tag details of `verdict` from the first rule that matches.
void decide(const Policy& policy, const record::Contact& contact, record::Verdict& verdict);

}  // namespace scamgate::policy
