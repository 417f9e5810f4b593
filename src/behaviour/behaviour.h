#pragma once
// Behaviour: what no single call or SMS shows, only the pattern of many. Call and SMS rates per
// caller, account and source address; distinct callees and recipients; Wangiri (short rings the
// caller cancels); SIM-box short calls; range scanning; concurrent calls; REGISTER floods; the
// same text from many senders (campaigns) and the same domain from many senders.
//
// behaviour/ reads only `Observation`s and `CallEnded`s (the detection stage fills them from the
// record and the detector's number normalisation) and answers with findings
// (`record::CheckFinding`, names `behaviour.*`), which feed the same score, policy and events as
// the checks. Windows run on packet time (`Timestamp`), so a replay gives the findings the live
// daemon saw. Every table has a fixed capacity: memory never grows with traffic.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/log.h"
#include "common/stats.h"
#include "common/time.h"
#include "record/verdict.h"

namespace scamgate::behaviour {

// Thresholds and windows: data (the `behaviour:` section of the configuration, docs/behaviour.md
// gives each one's rationale). Reloadable: a reload changes what is flagged from then on, never
// the state already counted. A limit of 0 switches that part of a finding off.
struct Settings {
    bool enabled = true;

    struct CallRate {  // behaviour.call_rate: call attempts in a sliding window
        Timestamp window = seconds(60);
        std::uint32_t per_caller = 30;
        std::uint32_t per_account = 0;  // SIP/SMPP account (calls have none today; kept for symmetry)
        std::uint32_t per_source = 600;
    } call_rate;

    struct CalleeSpray {  // behaviour.callee_spray: distinct callees per caller
        Timestamp window = seconds(3600);
        std::uint32_t distinct_callees = 60;
    } callee_spray;

    struct Wangiri {  // behaviour.wangiri
        Timestamp window = seconds(3600);
        Timestamp max_ring = seconds(8);        // cancelled (CANCEL / 487) within this of the INVITE
        Timestamp max_answered = seconds(3);    // or answered and ended (BYE) within this
        std::uint32_t min_calls = 10;           // such calls from one caller (or prefix) in the window
        std::uint32_t min_callees = 8;          // to at least this many distinct callees
        unsigned prefix_digits = 0;             // also key by the caller's E.164 minus this many last digits (0: off)
        bool international_only = false;        // only calls from an international trunk count
    } wangiri;

    struct ShortCalls {  // behaviour.short_calls (SIM-box, interconnect bypass)
        Timestamp window = seconds(3600);
        Timestamp max_duration = seconds(20);  // an answered call up to this long is short
        std::uint32_t min_attempts = 20;       // ended attempts in the window before judging
        double min_short_share = 0.7;          // short answered calls / answered calls
        double max_answer_ratio = 0.5;         // answered / ended attempts
    } short_calls;

    struct SequentialCallees {  // behaviour.sequential_callees (range scanning)
        Timestamp window = seconds(600);       // the whole run must fall within this
        std::uint32_t min_run = 8;             // callees each a small step above or below the last
        std::uint32_t max_step = 3;
    } sequential_callees;

    struct ConcurrentCalls {  // behaviour.concurrent_calls: calls decided and not yet ended
        std::uint32_t per_caller = 20;
        std::uint32_t per_account = 0;
    } concurrent_calls;

    struct RegisterFlood {  // behaviour.register_flood: REGISTER + INVITE per source address
        Timestamp window = seconds(10);
        std::uint32_t per_source = 200;
    } register_flood;

    struct SmsRate {  // behaviour.sms_rate
        Timestamp window = seconds(60);
        std::uint32_t per_sender = 30;
        std::uint32_t per_account = 0;
    } sms_rate;

    struct SmsRecipientSpray {  // behaviour.sms_recipient_spray
        Timestamp window = seconds(3600);
        std::uint32_t per_sender = 100;
        std::uint32_t per_account = 0;
    } sms_recipient_spray;

    struct SmsCampaign {  // behaviour.sms_campaign: near-identical texts
        Timestamp window = seconds(3600);
        std::uint32_t min_senders = 10;        // distinct senders of one fingerprint
        std::uint32_t min_recipients = 0;      // or distinct recipients (0: off)
        unsigned max_distance = 3;             // SimHash bits that may differ (0..3)
        std::uint32_t min_text_tokens = 4;     // shorter texts are not fingerprinted
    } sms_campaign;

    struct UrlSpray {  // behaviour.url_spray: one registrable domain from many senders
        Timestamp window = seconds(3600);
        std::uint32_t min_senders = 10;
    } url_spray;
};

// Table sizes, fixed for the life of the process (a reload does not resize them).
struct Capacity {
    std::size_t keys = 1u << 18;       // callers, accounts, sources, senders, prefixes, domains
    std::size_t campaigns = 1u << 15;  // text fingerprints
};

// behaviour.redis: sharing the key state with every scamgate pointing at the same Redis
// (docs/behaviour.md, "Across gateways"). Fixed at start.
struct SharingSettings {
    std::string url;        // behaviour.redis; empty: this process only
    std::string instance;   // behaviour.redis_instance: this instance's field name; empty: hostname:pid
    Timestamp interval = seconds(0.1);                  // behaviour.redis_interval: wall-clock flush period
    std::chrono::milliseconds prime_wait{2000};         // at start, for the shared state, at most

    bool enabled() const { return !url.empty(); }
};

enum class Medium : std::uint8_t { call, sms };

// One contact at the moment it is decided (initial INVITE, MESSAGE, submit_sm), as behaviour
// reads it. Views are valid for the call only.
struct Observation {
    Medium medium = Medium::call;
    Timestamp at = 0;                   // packet time of the deciding message
    std::string_view caller;            // E.164 digits without '+', or the presented user / alphanumeric sender
    std::string_view callee;            // E.164 digits (first recipient for an SMS); empty: unknown
    std::uint32_t recipients = 1;       // SMS: how many recipients (submit_multi)
    std::string_view account;           // SMPP system_id; empty when none
    IpAddress source;                   // the packet's source address
    bool has_source = false;
    bool international = false;         // arrived on a trunk whose role is international
    // Counted but never flagged: allow-listed numbers, senders registered to their account.
    bool exempt = false;
    std::string_view text_folded;       // SMS: the folded text view (campaign fingerprint)
    std::vector<std::string_view> domains;  // SMS: registrable domains of its URLs, distinct
};

// A call that was decided (observed) has ended, however it ended.
struct CallEnded {
    std::string_view caller;
    std::string_view callee;
    std::string_view account;
    IpAddress source;
    bool has_source = false;
    bool international = false;
    Timestamp invite = 0;
    std::optional<Timestamp> answer;
    Timestamp end = 0;
    bool cancelled = false;  // CANCEL / 487 before an answer
};

// A REGISTER request (not a contact: it is only counted per source address).
struct RegisterSeen {
    IpAddress source;
    Timestamp at = 0;
};

// Every finding name, in the order findings are listed on a verdict.
const std::vector<std::string>& finding_names();
// A finding's default score (the policy's check_scores may override it).
int default_finding_score(std::string_view name);

// The campaign fingerprint of a folded SMS text: numbers, amounts, URLs and e-mail addresses
// masked, words shingled, 64-bit SimHash. nullopt when the text has fewer than `min_tokens` words.
std::optional<std::uint64_t> campaign_fingerprint(std::string_view folded_text, std::uint32_t min_tokens);

// The behaviour state of one process, shared by all its workers (thread-safe: the tables are
// sharded, one mutex per shard, so workers rarely wait). Bounded: `Capacity` entries per table,
// the least recently active evicted first.
class Engine {
public:
    explicit Engine(const Capacity& capacity);
    // With sharing on (sharing.enabled()): connects to Redis in the background, loads the shared
    // state of the most recently active keys (waiting at most sharing.prime_wait) and starts the
    // sync thread. Throws redis::UrlError for a bad URL. The logger must outlive the engine.
    Engine(const Capacity& capacity, const SharingSettings& sharing, Logger& log);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Counts the contact and returns the findings the state shows up to and including it (the
    // eleventh Wangiri call is flagged, not reported afterwards). Each finding's evidence is one
    // line: the key, the count, the window and the threshold.
    std::vector<record::CheckFinding> observe(const Observation& contact, const Settings& settings);
    // A call returned by observe() has ended: its outcome counts (Wangiri, short calls) and its
    // concurrent count goes down, exactly once per observed call, never below zero.
    void call_ended(const CallEnded& call, const Settings& settings);
    void register_seen(const RegisterSeen& request, const Settings& settings);

    // behaviour.keys (tracked now), behaviour.campaigns, behaviour.evictions (keys),
    // behaviour.campaign_evictions, behaviour.findings.<name without "behaviour.">
    // (behaviour.findings.wangiri, ...), behaviour.bytes (memory of the tables, fixed at
    // construction); with behaviour.redis also behaviour.redis_* (docs/behaviour.md, "Across
    // gateways"). Readable from any thread.
    void append_stats(StatsReport& report) const;
    // Bytes one tracked key takes (docs/behaviour.md, docs/performance.md).
    static std::size_t bytes_per_key();
    static std::size_t bytes_per_campaign();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace scamgate::behaviour
