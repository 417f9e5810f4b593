// The behaviour engine (src/behaviour/) on any bytes: the campaign tokeniser and fingerprint on
// the whole input as a folded text, then the input cut into operations on one small engine
// (observe a call or an SMS, end a call, see a REGISTER) with keys, times and texts taken from
// the bytes. Traps when a token is empty or not a mask token or a piece of the input, when the
// table holds more keys than its capacity, or when a finding has no evidence or a name outside
// finding_names().
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "behaviour/behaviour.h"
#include "behaviour/fingerprint.h"

namespace {

using namespace scamgate;
using namespace scamgate::behaviour;

constexpr std::size_t kKeys = 64;

void check_tokens(std::string_view text) {
    for (const std::string_view token : campaign_tokens(text)) {
        if (token.empty()) __builtin_trap();
        const bool mask = token == kNumberToken || token == kUrlToken || token == kEmailToken;
        const bool inside = token.data() >= text.data() && token.data() + token.size() <= text.data() + text.size();
        if (!mask && !inside) __builtin_trap();
    }
    (void)campaign_fingerprint(text, 0);
}

// Reads bytes off the front of the input.
struct Reader {
    std::string_view rest;
    std::uint8_t byte() {
        if (rest.empty()) return 0;
        const auto b = static_cast<std::uint8_t>(rest.front());
        rest.remove_prefix(1);
        return b;
    }
    std::string_view piece(std::size_t max) {
        const std::size_t n = std::min<std::size_t>(byte() % (max + 1), rest.size());
        const std::string_view p = rest.substr(0, n);
        rest.remove_prefix(n);
        return p;
    }
};

void check_findings(const std::vector<record::CheckFinding>& findings) {
    for (const auto& f : findings) {
        if (f.evidence.empty()) __builtin_trap();
        if (std::find(finding_names().begin(), finding_names().end(), f.name) == finding_names().end()) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_tokens(input);

    Engine engine(Capacity{kKeys, 16});
    Settings settings;
    Reader in{input};
    settings.call_rate.per_caller = in.byte() % 4;
    settings.callee_spray.distinct_callees = in.byte() % 4;
    settings.wangiri.min_calls = in.byte() % 4;
    settings.wangiri.min_callees = in.byte() % 3;
    settings.wangiri.prefix_digits = in.byte() % 4;
    settings.short_calls.min_attempts = in.byte() % 4;
    settings.sequential_callees.min_run = in.byte() % 4;
    settings.sequential_callees.window = seconds(in.byte());  // 0 included: read as 1 ns
    settings.sms_campaign.min_senders = in.byte() % 4;
    settings.sms_campaign.max_distance = in.byte() % 8;
    settings.url_spray.min_senders = in.byte() % 4;
    Timestamp now = 0;
    while (!in.rest.empty()) {
        const std::uint8_t op = in.byte();
        now += static_cast<Timestamp>(in.byte()) * 100'000'000;  // up to 25.5 s per step
        if (op & 0x80) now -= 3 * kNanosPerSecond;                // and sometimes backwards
        const std::string_view caller = in.piece(12);
        const std::string_view callee = in.piece(12);
        switch (op % 4) {
            case 0:
            case 1: {
                Observation o;
                o.medium = op % 4 == 0 ? Medium::call : Medium::sms;
                o.at = now;
                o.caller = caller;
                o.callee = callee;
                o.exempt = (op & 0x40) != 0;
                o.recipients = op >> 4;
                o.has_source = (op & 0x20) != 0;
                const std::uint8_t address[4] = {10, 0, 0, static_cast<std::uint8_t>(op & 3)};
                o.source = IpAddress::v4(address);
                o.text_folded = in.piece(64);
                const std::string_view domain = in.piece(8);
                if (!domain.empty()) o.domains.push_back(domain);
                check_findings(engine.observe(o, settings));
                break;
            }
            case 2: {
                CallEnded e;
                e.caller = caller;
                e.callee = callee;
                e.invite = now - static_cast<Timestamp>(in.byte()) * 100'000'000;
                if (op & 0x10) e.answer = now - static_cast<Timestamp>(in.byte()) * 50'000'000;
                e.end = now;
                e.cancelled = (op & 0x20) != 0;
                e.international = (op & 0x40) != 0;
                engine.call_ended(e, settings);
                break;
            }
            default: {
                const std::uint8_t address[4] = {10, 0, 0, static_cast<std::uint8_t>(op & 3)};
                engine.register_seen(RegisterSeen{IpAddress::v4(address), now}, settings);
                break;
            }
        }
    }
    StatsReport stats;
    engine.append_stats(stats);
    if (stats.at("behaviour.keys") > kKeys || stats.at("behaviour.campaigns") > 16) __builtin_trap();
    return 0;
}
