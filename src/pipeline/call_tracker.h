#pragma once
// SIP dialog tracking: Call-ID -> one call attempt with its timeline, finished into a Contact
// record when it ends (BYE, CANCEL, final error, timeout). Bounded table, packet-time expiry.
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/stats.h"
#include "common/time.h"
#include "net/flow.h"
#include "pipeline/origin.h"
#include "record/contact.h"
#include "sip/message.h"

namespace scamgate::pipeline {

struct CallTrackerLimits {
    std::size_t max_calls = 1'000'000;   // call attempts tracked at once
    Timestamp setup_timeout = seconds(180);    // INVITE without a final response
    Timestamp max_duration = seconds(4 * 3600); // answered call without BYE
    Timestamp linger = seconds(32);      // keep an ended call this long to absorb retransmissions
};

// The record of a call attempt as its initial INVITE presents it (what the tracker starts each
// call with); inline mode decides on it before the INVITE is let through.
record::Contact call_from_invite(const sip::Message& message, const MessageOrigin& origin, std::string_view call_id,
                                 const std::string& source_name = {});
// An INVITE request without a To tag: the start of a call attempt, not a re-INVITE.
bool is_initial_invite(const sip::Message& message);

// What the tracker made of a SIP message: for a request of a known call, that call's verdict and
// whether this request is the one it was judged on. The verdict is the whole one on the request
// it was judged on (null when nothing judged it); on every later request of the call only a
// verdict that acts on the wire (tag, drop, reject), which is all the inline gate acts on for a
// follow-up, and null otherwise: a pending call keeps any other verdict packed with its record.
// Valid until the tracker's next call.
struct CallMessageSeen {
    const record::Verdict* verdict = nullptr;
    bool judged_now = false;
    bool known_call = false;
};

class CallTracker {
public:
    // `decider` (optional, not owned) judges each call at its initial INVITE.
    CallTracker(const CallTrackerLimits& limits, record::ContactSink& sink, std::string source_name = {},
                record::ContactDecider* decider = nullptr);
    ~CallTracker();

    // The capture source named in the records of calls that start from now on.
    void set_source_name(std::string name);
    // `judged`: the verdict the call's initial INVITE was already given (on its head, over TCP),
    // which it keeps instead of asking the decider.
    CallMessageSeen on_message(const sip::Message& message, const MessageOrigin& origin,
                               const record::Verdict* judged = nullptr);
    // What a request of `call_id` would find: the call, if tracked, and its verdict as a follow-up
    // sees it (CallMessageSeen).
    CallMessageSeen known(std::string_view call_id);
    // Ends calls whose deadline passed and forgets lingering ones.
    void expire(Timestamp now);
    // Ends every open call with `end` (capture_end at the end of a replay) and clears the table.
    void flush(record::CallEnd end, Timestamp now);

    std::size_t active() const;
    // calls, calls.active, calls.<end reason>, sip.orphan_messages, sip.invite_retransmissions
    void append_stats(StatsReport& report) const;

private:
    // A call in progress: its record's fixed part packed in one buffer, the rest as plain fields.
    struct Call;
    static constexpr std::uint32_t kNoSlot = UINT32_MAX;
    // One entry of the Call-ID index (open addressing, linear probing): the call, whose packed
    // record holds the key itself, and the key's hash.
    struct IndexEntry {
        Call* call = nullptr;
        std::uint32_t hash = 0;
    };

    CallMessageSeen on_request(const sip::Message& message, const MessageOrigin& origin, const record::Verdict* judged);
    void on_response(const sip::Message& message, const MessageOrigin& origin);
    Call& on_initial_invite(const sip::Message& message, const MessageOrigin& origin, std::string_view call_id,
                            std::uint32_t hash, std::uint32_t cseq, const record::Verdict* judged);
    void finish(Call& call, record::CallEnd end, Timestamp at);
    // The call's record, rebuilt from its packed part into `contact` (every field assigned); the
    // lingering call keeps only its Call-ID (and a verdict that acts on the wire, for the
    // retransmissions).
    void take_record(Call& call, record::CallEnd end, Timestamp at, record::Contact& contact);
    // Which timer a deadline is: each has one duration (CallTrackerLimits).
    enum class Timer : std::uint8_t { setup, answered, linger };
    void schedule(Call& call, Timer timer, Timestamp deadline);
    // The earliest due deadline's queue, or null when none is due at `now`.
    struct Deadline;
    std::deque<Deadline>* next_due(Timestamp now);
    void evict_oldest(Timestamp now);
    void erase(Call& call);

    // The call of this Call-ID (whose hash is given), or null.
    Call* find(std::string_view call_id, std::uint32_t hash) const;
    void index_insert(Call& call);
    void index_erase(const Call& call);
    void index_grow();

    CallTrackerLimits limits_;
    record::ContactSink& sink_;
    record::ContactDecider* decider_ = nullptr;
    // Source names of the calls held (one per file of a joined replay; a call keeps an index).
    std::vector<std::string> sources_;
    // The calls, each in a slot that deadlines name (a freed slot is reused; a call's generation
    // tells a stale deadline from a live one).
    std::vector<std::unique_ptr<Call>> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::vector<IndexEntry> index_;  // a power of two long, at most 3/4 full
    std::size_t indexed_ = 0;
    // Creation order, oldest first, for eviction: a list through the calls' slots.
    std::uint32_t oldest_ = kNoSlot;
    std::uint32_t newest_ = kNoSlot;
    struct Deadline {
        Timestamp at;
        std::uint64_t generation;
        std::uint32_t slot;
    };
    // One queue per timer, each in time order: a timer's deadlines are set at packet time plus its
    // duration, so nearly all go at the back (an earlier one is inserted in place), and the due
    // ones are at the front. Cheaper than one heap over every deadline, which with a long
    // max_duration holds most calls' deadlines for hours.
    std::array<std::deque<Deadline>, 3> deadlines_;
    std::uint64_t next_generation_ = 1;
    // The contact judged at the last initial INVITE (CallMessageSeen::verdict points into it).
    record::Contact judged_;
    std::string unfold_scratch_;
    std::string fill_scratch_;
    std::string pack_scratch_;
    // The record of the call that ends, refilled for each (its strings' storage reused); a call
    // ended while a sink still reads it (a sink reaching back) gets a record of its own.
    record::Contact emitted_record_;
    bool emitting_ = false;

    std::uint64_t emitted_ = 0;
    std::uint64_t orphan_messages_ = 0;
    std::uint64_t invite_retransmissions_ = 0;
    std::array<std::uint64_t, 6> ends_{};
};

}  // namespace scamgate::pipeline
