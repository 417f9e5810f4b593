#include "pipeline/call_tracker.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <utility>

#include "pipeline/origin.h"
#include "record/packed.h"

namespace scamgate::pipeline {

namespace {

using record::CallEnd;

enum class CallState : std::uint8_t {
    setup,       // INVITE sent, no final response yet
    challenged,  // 401/407: waiting for the INVITE with credentials
    answered,    // 2xx seen
    ended,       // record emitted; lingering to absorb retransmissions
};

// The helpers below assign into a record that may hold an earlier call's values (the tracker
// refills one contact for every INVITE, reusing its strings' storage): each sets every field.

void assign_parties(std::vector<record::Party>& parties, const sip::Message& message, sip::HeaderId id) {
    const auto values = message.values(id);
    parties.resize(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) assign_party(parties[i], values[i]);
}

void assign_via(std::optional<record::Via>& out, std::string_view value) {
    auto via = sip::parse_via(value);
    if (!via) {
        out.reset();
        return;
    }
    record::Via& v = out ? *out : out.emplace();
    v.transport.assign(via->transport);
    v.host.assign(via->host);
    v.port = via->port;
    v.branch.assign(via->param("branch").value_or(""));
}

std::optional<int> parse_int(std::string_view text) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

void assign_media(std::vector<record::MediaEndpoint>& media, const sip::Message& message) {
    auto content_type = message.first(sip::HeaderId::content_type);
    std::optional<sip::Sdp> sdp;
    if (!message.body.empty() && content_type.find("sdp") != std::string_view::npos) sdp = sip::parse_sdp(message.body);
    if (!sdp) {
        media.clear();
        return;
    }
    media.resize(sdp->media.size());
    for (std::size_t i = 0; i < media.size(); ++i) {
        const sip::SdpMedia& m = sdp->media[i];
        record::MediaEndpoint& endpoint = media[i];
        endpoint.type.assign(m.type);
        endpoint.address.assign(m.connection.empty() ? sdp->session_connection : m.connection);
        endpoint.port = m.port;
        endpoint.protocol.assign(m.protocol);
    }
}

// The callee as presented: the Request-URI's user, or To's when the Request-URI has none.
void assign_callee(record::Party& callee, const record::CallDetails& call) {
    callee = call.to;
    callee.tag.clear();
    if (auto uri = sip::parse_uri(call.request_uri); uri && !uri->user.empty()) {
        callee.uri = call.request_uri;
        callee.user.assign(uri->user);
        callee.host.assign(uri->host);
        callee.user_is_phone = uri->user_is_phone();
    }
}

// The record of a call attempt as its initial INVITE presents it (what call_from_invite returns).
void fill_from_invite(record::Contact& contact, const sip::Message& message, const MessageOrigin& origin,
                      std::string_view call_id, std::string_view source_name, std::string& scratch) {
    record::CallDetails& d = contact.call ? *contact.call : contact.call.emplace();
    d.call_id.assign(call_id);
    d.request_uri.assign(message.request_uri);
    assign_party(d.from, message.first(sip::HeaderId::from));
    assign_party(d.to, message.first(sip::HeaderId::to));
    assign_parties(d.p_asserted_identity, message, sip::HeaderId::p_asserted_identity);
    assign_parties(d.p_preferred_identity, message, sip::HeaderId::p_preferred_identity);
    assign_parties(d.remote_party_id, message, sip::HeaderId::remote_party_id);
    assign_parties(d.diversion, message, sip::HeaderId::diversion);
    assign_parties(d.history_info, message, sip::HeaderId::history_info);
    d.privacy.assign(sip::unfold(message.first(sip::HeaderId::privacy), scratch));
    d.has_identity_header = message.has(sip::HeaderId::identity);
    d.contact.assign(sip::unfold(message.first(sip::HeaderId::contact), scratch));
    const auto vias = message.values(sip::HeaderId::via);
    d.via_count = vias.size();
    if (vias.empty()) {
        d.via_first.reset();
        d.via_last.reset();
    } else {
        assign_via(d.via_first, vias.front());
        assign_via(d.via_last, vias.back());
    }
    d.user_agent.assign(sip::unfold(message.first(sip::HeaderId::user_agent), scratch));
    d.server.clear();
    d.max_forwards = message.has(sip::HeaderId::max_forwards) ? parse_int(message.first(sip::HeaderId::max_forwards))
                                                              : std::nullopt;
    d.content_type.assign(sip::unfold(message.first(sip::HeaderId::content_type), scratch));
    assign_media(d.media, message);
    d.timeline = record::CallTimeline{};
    d.timeline.invite = origin.ts;
    d.final_status = 0;
    d.final_reason.clear();
    d.end = record::CallEnd::timeout;
    d.messages = 1;
    d.invite_retransmissions = 0;
    d.reinvites = 0;

    contact.kind = record::ContactKind::call;
    contact.ts = 0;
    contact.caller = d.from;
    contact.caller.tag.clear();
    assign_callee(contact.callee, d);
    contact.ingress = ingress_from(origin);
    contact.source.assign(source_name);
    contact.sms.reset();
    contact.verdict.reset();
}

bool has_to_tag(const sip::Message& message) {
    auto to = sip::parse_name_addr(message.first(sip::HeaderId::to));
    return to && !to->tag().empty();
}

}  // namespace

record::Contact call_from_invite(const sip::Message& message, const MessageOrigin& origin, std::string_view call_id,
                                 const std::string& source_name) {
    record::Contact contact;
    std::string scratch;
    fill_from_invite(contact, message, origin, call_id, source_name, scratch);
    return contact;
}

bool is_initial_invite(const sip::Message& message) {
    return message.is_request && message.method == "INVITE" && !has_to_tag(message);
}

// What a call in progress holds: the fixed part of its record (Call-ID, the details as its INVITE
// presented them, ingress, a verdict that does not act on the wire) packed in one buffer of a few
// hundred bytes, and what later messages change as plain fields. The record is rebuilt once, when
// the call ends; an ended call lingers with its Call-ID only (docs/performance.md, "Memory per
// pending call").
struct CallTracker::Call {
    record::PackedCall packed;
    // A tag, drop or reject stays whole: the inline gate treats every later request of the call
    // (retransmissions, the ACK of our answer, a CANCEL) as it decided, also while it lingers.
    std::unique_ptr<record::Verdict> acting_verdict;
    record::CallTimeline timeline;
    std::string server;        // from the responses
    std::string final_reason;
    std::uint64_t generation = 0;
    std::uint32_t hash = 0;    // of the Call-ID, for the index
    std::uint32_t slot = 0;
    std::uint32_t older = kNoSlot;  // creation order
    std::uint32_t newer = kNoSlot;
    std::uint32_t source = 0;  // index into the tracker's source names
    std::uint32_t invite_cseq = 0;
    std::uint32_t messages = 1;
    std::uint32_t invite_retransmissions = 0;
    std::uint32_t reinvites = 0;
    int final_status = 0;
    CallState state = CallState::setup;
    bool cancel_seen = false;
};

namespace {

std::uint32_t call_id_hash(std::string_view call_id) {
    const std::size_t h = std::hash<std::string_view>{}(call_id);
    return static_cast<std::uint32_t>(h ^ (h >> 32));
}

}  // namespace

CallTracker::CallTracker(const CallTrackerLimits& limits, record::ContactSink& sink, std::string source_name,
                         record::ContactDecider* decider)
    : limits_(limits), sink_(sink), decider_(decider) {
    set_source_name(std::move(source_name));
}

void CallTracker::set_source_name(std::string name) {
    if (sources_.empty() || sources_.back() != name) sources_.push_back(std::move(name));
}

CallTracker::~CallTracker() = default;

std::size_t CallTracker::active() const {
    std::size_t open = 0;
    for (const auto& call : slots_) open += call && call->state != CallState::ended;
    return open;
}

// --- The Call-ID index ------------------------------------------------------------------------

CallTracker::Call* CallTracker::find(std::string_view call_id, std::uint32_t hash) const {
    if (index_.empty()) return nullptr;
    const std::size_t mask = index_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        const IndexEntry& entry = index_[i];
        if (entry.call == nullptr) return nullptr;
        if (entry.hash == hash && entry.call->packed.call_id() == call_id) return entry.call;
    }
}

void CallTracker::index_insert(Call& call) {
    if ((indexed_ + 1) * 4 > index_.size() * 3) index_grow();
    const std::size_t mask = index_.size() - 1;
    std::size_t i = call.hash & mask;
    while (index_[i].call != nullptr) i = (i + 1) & mask;
    index_[i] = IndexEntry{&call, call.hash};
    ++indexed_;
}

// Backward-shift deletion: the entries after the hole that may move into it do, so that no probe
// sequence is broken and no tombstones accumulate.
void CallTracker::index_erase(const Call& call) {
    const std::size_t mask = index_.size() - 1;
    std::size_t hole = call.hash & mask;
    while (index_[hole].call != &call) hole = (hole + 1) & mask;
    for (std::size_t next = (hole + 1) & mask; index_[next].call != nullptr; next = (next + 1) & mask) {
        const std::size_t home = index_[next].hash & mask;
        const bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (stays) continue;
        index_[hole] = index_[next];
        hole = next;
    }
    index_[hole] = IndexEntry{};
    --indexed_;
}

void CallTracker::index_grow() {
    const std::size_t size = std::max<std::size_t>(1024, index_.size() * 2);
    std::vector<IndexEntry> old = std::exchange(index_, std::vector<IndexEntry>(size));
    indexed_ = 0;
    for (const auto& entry : old) {
        if (entry.call != nullptr) index_insert(*entry.call);
    }
}

// --- Messages -----------------------------------------------------------------------------------

CallMessageSeen CallTracker::on_message(const sip::Message& message, const MessageOrigin& origin,
                                        const record::Verdict* judged) {
    if (message.is_request) return on_request(message, origin, judged);
    on_response(message, origin);
    return {};
}

namespace {

CallMessageSeen seen(const record::Verdict* verdict, bool judged_now) { return CallMessageSeen{verdict, judged_now, true}; }

}  // namespace

CallMessageSeen CallTracker::known(std::string_view call_id) {
    const Call* call = find(call_id, call_id_hash(call_id));
    return call ? seen(call->acting_verdict.get(), false) : CallMessageSeen{};
}

CallMessageSeen CallTracker::on_request(const sip::Message& message, const MessageOrigin& origin,
                                        const record::Verdict* judged) {
    const std::string_view call_id = sip::unfold(message.first(sip::HeaderId::call_id), unfold_scratch_);
    if (call_id.empty()) return {};
    auto cseq = sip::parse_cseq(message.first(sip::HeaderId::cseq));
    const std::uint32_t hash = call_id_hash(call_id);
    Call* call = find(call_id, hash);

    if (message.method == "INVITE" && !has_to_tag(message)) {
        std::uint32_t number = cseq ? cseq->number : 0;
        if (!call) {
            on_initial_invite(message, origin, call_id, hash, number, judged);
            return seen(judged_.verdict ? &*judged_.verdict : nullptr, true);
        }
        ++call->messages;
        if (call->state == CallState::challenged && number != call->invite_cseq) {
            // The same attempt again, now with credentials.
            call->state = CallState::setup;
            call->invite_cseq = number;
            call->final_status = 0;
            call->final_reason.clear();
            schedule(*call, Timer::setup, origin.ts + limits_.setup_timeout);
        } else {
            ++call->invite_retransmissions;
            ++invite_retransmissions_;
        }
        return seen(call->acting_verdict.get(), false);
    }
    if (!call) {
        if (message.method == "REGISTER") {
            if (decider_) decider_->on_register(origin.tuple.src, origin.ts);
            return {};
        }
        ++orphan_messages_;
        return {};
    }
    ++call->messages;
    if (call->state == CallState::ended) return seen(call->acting_verdict.get(), false);
    if (message.method == "INVITE") {
        ++call->reinvites;
    } else if (message.method == "CANCEL") {
        call->cancel_seen = true;
    } else if (message.method == "BYE") {
        finish(*call, CallEnd::bye, origin.ts);
    }
    return seen(call->acting_verdict.get(), false);
}

CallTracker::Call& CallTracker::on_initial_invite(const sip::Message& message, const MessageOrigin& origin,
                                                  std::string_view call_id, std::uint32_t hash, std::uint32_t cseq,
                                                  const record::Verdict* judged) {
    if (indexed_ >= limits_.max_calls) evict_oldest(origin.ts);

    // Refilled in place: its strings' storage serves the next INVITE too.
    fill_from_invite(judged_, message, origin, call_id, {}, fill_scratch_);
    // Judged once, here (or already, on the INVITE's head over TCP): retransmissions, the retry
    // with credentials and re-INVITEs keep it.
    if (judged != nullptr) {
        judged_.verdict = *judged;
    } else if (decider_) {
        decider_->decide(judged_);
    }
    const record::Verdict* verdict = judged_.verdict ? &*judged_.verdict : nullptr;
    const bool acting = verdict != nullptr && record::acts_on_wire(verdict->action);

    auto call = std::make_unique<Call>();
    call->packed = record::PackedCall(*judged_.call, judged_.ingress, acting ? nullptr : verdict, pack_scratch_);
    if (acting) call->acting_verdict = std::make_unique<record::Verdict>(*verdict);
    call->timeline = judged_.call->timeline;
    call->messages = judged_.call->messages;
    call->invite_cseq = cseq;
    call->hash = hash;
    call->source = static_cast<std::uint32_t>(sources_.size() - 1);

    std::uint32_t slot = 0;
    if (free_slots_.empty()) {
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
    } else {
        slot = free_slots_.back();
        free_slots_.pop_back();
    }
    call->slot = slot;
    call->older = newest_;
    if (newest_ != kNoSlot) slots_[newest_]->newer = slot;
    newest_ = slot;
    if (oldest_ == kNoSlot) oldest_ = slot;
    Call& stored = *call;
    slots_[slot] = std::move(call);
    index_insert(stored);
    schedule(stored, Timer::setup, origin.ts + limits_.setup_timeout);
    return stored;
}

void CallTracker::on_response(const sip::Message& message, const MessageOrigin& origin) {
    const std::string_view call_id = sip::unfold(message.first(sip::HeaderId::call_id), unfold_scratch_);
    Call* call = find(call_id, call_id_hash(call_id));
    if (!call) {
        ++orphan_messages_;
        return;
    }
    ++call->messages;
    if (call->state == CallState::ended) return;  // its record is written; it only absorbs retransmissions
    if (call->server.empty()) call->server = sip::unfold(message.first(sip::HeaderId::server));
    auto cseq = sip::parse_cseq(message.first(sip::HeaderId::cseq));
    if (!cseq || cseq->method != "INVITE") return;

    auto& timeline = call->timeline;
    const int status = message.status_code;
    if (status < 200) {
        if (!timeline.first_provisional) {
            timeline.first_provisional = origin.ts;
            timeline.first_provisional_status = status;
        }
        if ((status == 180 || status == 183) && !timeline.ringing) timeline.ringing = origin.ts;
        return;
    }
    call->final_status = status;
    call->final_reason.assign(message.reason_phrase);
    if (status < 300) {
        if (!timeline.answer) timeline.answer = origin.ts;
        if (call->state != CallState::answered) {
            call->state = CallState::answered;
            schedule(*call, Timer::answered, origin.ts + limits_.max_duration);
        }
        return;
    }
    if (status == 401 || status == 407) {
        call->state = CallState::challenged;
        schedule(*call, Timer::linger, origin.ts + limits_.linger);
        return;
    }
    finish(*call, call->cancel_seen && status == 487 ? CallEnd::cancel : CallEnd::rejected, origin.ts);
}

void CallTracker::finish(Call& call, CallEnd end, Timestamp at) {
    call.state = CallState::ended;
    ++emitted_;
    ++ends_[static_cast<std::size_t>(end)];
    if (emitting_) {
        // A sink that reached back into the tracker: the shared record is in use.
        record::Contact contact;
        take_record(call, end, at, contact);
        sink_.on_contact(contact);
    } else {
        emitting_ = true;
        take_record(call, end, at, emitted_record_);
        sink_.on_contact(emitted_record_);
        emitting_ = false;
    }
    schedule(call, Timer::linger, at + limits_.linger);
}

void CallTracker::take_record(Call& call, CallEnd end, Timestamp at, record::Contact& contact) {
    record::CallDetails& details = contact.call ? *contact.call : contact.call.emplace();
    call.packed.details_into(details);
    details.timeline = call.timeline;
    details.timeline.end = at;
    details.server = std::exchange(call.server, {});
    details.final_status = call.final_status;
    details.final_reason = std::exchange(call.final_reason, {});
    details.end = end;
    details.messages = call.messages;
    details.invite_retransmissions = call.invite_retransmissions;
    details.reinvites = call.reinvites;
    contact.kind = record::ContactKind::call;
    contact.ts = at;
    contact.caller = details.from;
    contact.caller.tag.clear();
    assign_callee(contact.callee, details);
    call.packed.ingress_into(contact.ingress);
    contact.source.assign(sources_[call.source]);
    contact.sms.reset();
    // A call blocked or tagged keeps its verdict while it lingers: inline, its retransmissions,
    // the ACK of our answer and a CANCEL are treated as it was.
    if (call.acting_verdict) {
        contact.verdict = *call.acting_verdict;
    } else {
        call.packed.verdict_into(contact.verdict);
    }
    call.packed.keep_call_id_only();
}

void CallTracker::schedule(Call& call, Timer timer, Timestamp deadline) {
    call.generation = next_generation_++;
    auto& queue = deadlines_[static_cast<std::size_t>(timer)];
    const Deadline entry{deadline, call.generation, call.slot};
    if (queue.empty() || queue.back().at <= deadline) {
        queue.push_back(entry);
        return;
    }
    // Earlier than the last (packets out of time order, or a call ended at an expired deadline):
    // after every deadline due at the same time or before, as if it had come in order.
    auto later = std::upper_bound(queue.begin(), queue.end(), deadline,
                                  [](Timestamp at, const Deadline& d) { return at < d.at; });
    queue.insert(later, entry);
}

std::deque<CallTracker::Deadline>* CallTracker::next_due(Timestamp now) {
    std::deque<Deadline>* earliest = nullptr;
    for (auto& queue : deadlines_) {
        if (queue.empty() || queue.front().at > now) continue;
        if (earliest == nullptr || queue.front().at < earliest->front().at) earliest = &queue;
    }
    return earliest;
}

void CallTracker::erase(Call& call) {
    if (call.older != kNoSlot) {
        slots_[call.older]->newer = call.newer;
    } else {
        oldest_ = call.newer;
    }
    if (call.newer != kNoSlot) {
        slots_[call.newer]->older = call.older;
    } else {
        newest_ = call.older;
    }
    index_erase(call);
    const std::uint32_t slot = call.slot;
    slots_[slot].reset();
    free_slots_.push_back(slot);
}

void CallTracker::expire(Timestamp now) {
    while (auto* queue = next_due(now)) {
        const Deadline due = queue->front();
        queue->pop_front();
        if (due.slot >= slots_.size()) continue;
        Call* call = slots_[due.slot].get();
        if (call == nullptr || call->generation != due.generation) continue;  // stale
        switch (call->state) {
            case CallState::ended:
                erase(*call);
                break;
            case CallState::challenged:
                finish(*call, CallEnd::rejected, due.at);
                break;
            case CallState::setup:
                finish(*call, call->cancel_seen ? CallEnd::cancel : CallEnd::timeout, due.at);
                break;
            case CallState::answered:
                finish(*call, CallEnd::timeout, due.at);
                break;
        }
    }
}

void CallTracker::evict_oldest(Timestamp now) {
    if (oldest_ == kNoSlot) return;
    Call& call = *slots_[oldest_];
    if (call.state != CallState::ended) finish(call, CallEnd::evicted, now);
    erase(call);
}

// Each call is released as soon as its record is out, so the peak is the table, not the table and
// every record.
void CallTracker::flush(CallEnd end, Timestamp now) {
    while (oldest_ != kNoSlot) {
        Call& call = *slots_[oldest_];
        if (call.state != CallState::ended) finish(call, end, now);
        erase(call);
    }
    slots_.clear();
    free_slots_.clear();
    index_.clear();
    indexed_ = 0;
    for (auto& queue : deadlines_) queue.clear();
    sources_.erase(sources_.begin(), std::prev(sources_.end()));  // only the current name is still needed
}

void CallTracker::append_stats(StatsReport& report) const {
    report.add("calls", emitted_);
    report.add("calls.active", active());
    for (std::size_t i = 0; i < ends_.size(); ++i) {
        report.add(std::string("calls.end.") + record::call_end_name(static_cast<CallEnd>(i)), ends_[i]);
    }
    report.add("sip.orphan_messages", orphan_messages_);
    report.add("sip.invite_retransmissions", invite_retransmissions_);
}

}  // namespace scamgate::pipeline
