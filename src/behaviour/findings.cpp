#include "behaviour/findings.h"

#include <array>
#include <string>
#include <vector>

#include "behaviour/behaviour.h"

namespace scamgate::behaviour {
namespace {

struct FindingInfo {
    std::string_view name;
    int score;
};

// Default scores: what one finding alone says about a contact. Patterns that legitimate traffic
// rarely shows score higher; volume alone (which call centres and bulk senders also have) lower.
constexpr std::array<FindingInfo, kFindingCount> kFindings{{
    // Volume alone: call centres and PBX trunks also call a lot.
    {"behaviour.call_rate", 30},
    // Many distinct callees: also telemarketing and appointment reminders.
    {"behaviour.callee_spray", 30},
    // Short rings cancelled to many callees: the Wangiri call-back bait itself, rarely legitimate.
    {"behaviour.wangiri", 60},
    // Mostly very short answered calls at a low answer ratio: SIM-box likely, but auto-dialers too.
    {"behaviour.short_calls", 40},
    // Callees in numeric sequence: range scanning; people do not dial consecutive numbers.
    {"behaviour.sequential_callees", 50},
    // Many calls at once from one number: trunks and contact centres do that legitimately too.
    {"behaviour.concurrent_calls", 30},
    // REGISTER/INVITE floods from one address: scanners and password guessing, not subscribers.
    {"behaviour.register_flood", 50},
    // Message volume alone: OTP and notification senders also send a lot.
    {"behaviour.sms_rate", 30},
    // Many distinct recipients: also bulk notifications from registered senders.
    {"behaviour.sms_recipient_spray", 30},
    // One template from many distinct senders: junk-SIM campaigns; legitimate bulk uses one sender.
    {"behaviour.sms_campaign", 50},
    // One domain from many senders: a phishing link spread over junk SIMs; big sites also appear.
    {"behaviour.url_spray", 40},
}};

}  // namespace

std::string_view finding_name(Finding finding) { return kFindings[static_cast<std::size_t>(finding)].name; }
int finding_score(Finding finding) { return kFindings[static_cast<std::size_t>(finding)].score; }

const std::vector<std::string>& finding_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& f : kFindings) out.emplace_back(f.name);
        return out;
    }();
    return names;
}

int default_finding_score(std::string_view name) {
    for (const auto& f : kFindings) {
        if (f.name == name) return f.score;
    }
    return 0;
}

}  // namespace scamgate::behaviour
