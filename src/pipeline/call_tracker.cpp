#include "pipeline/call_tracker.h"

#include <charconv>
#include <utility>

#include "pipeline/origin.h"

namespace scamgate::pipeline {

namespace {

using record::CallEnd;

enum class CallState : std::uint8_t {
    setup,       // INVITE sent, no final response yet
    challenged,  // 401/407: waiting for the INVITE with credentials
    answered,    // 2xx seen
    ended,       // record emitted; lingering to absorb retransmissions
};

std::vector<record::Party> parties_from(const sip::Message& message, sip::HeaderId id) {
    std::vector<record::Party> parties;
    for (auto value : message.values(id)) parties.push_back(party_from(value));
    return parties;
}

std::optional<record::Via> via_from(std::string_view value) {
    auto via = sip::parse_via(value);
    if (!via) return std::nullopt;
    record::Via out;
    out.transport = std::string(via->transport);
    out.host = std::string(via->host);
    out.port = via->port;
    out.branch = std::string(via->param("branch").value_or(""));
    return out;
}

std::optional<int> parse_int(std::string_view text) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::vector<record::MediaEndpoint> media_from(const sip::Message& message) {
    std::vector<record::MediaEndpoint> media;
    auto content_type = message.first(sip::HeaderId::content_type);
    if (message.body.empty() || content_type.find("sdp") == std::string_view::npos) return media;
    auto sdp = sip::parse_sdp(message.body);
    if (!sdp) return media;
    for (const auto& m : sdp->media) {
        record::MediaEndpoint endpoint;
        endpoint.type = std::string(m.type);
        endpoint.address = std::string(m.connection.empty() ? sdp->session_connection : m.connection);
        endpoint.port = m.port;
        endpoint.protocol = std::string(m.protocol);
        media.push_back(std::move(endpoint));
    }
    return media;
}


// The callee as presented: the Request-URI's user, or To's when the Request-URI has none.
record::Party callee_from(const record::CallDetails& call) {
    record::Party callee = call.to;
    callee.tag.clear();
    if (auto uri = sip::parse_uri(call.request_uri); uri && !uri->user.empty()) {
        callee.uri = call.request_uri;
        callee.user = std::string(uri->user);
        callee.host = std::string(uri->host);
        callee.user_is_phone = uri->user_is_phone();
    }
    return callee;
}

bool has_to_tag(const sip::Message& message) {
    auto to = sip::parse_name_addr(message.first(sip::HeaderId::to));
    return to && !to->tag().empty();
}

}  // namespace

// A call's record from its details: the caller is From without its tag, the callee as presented.
record::Contact call_contact(record::CallDetails details, record::Ingress ingress, std::string source) {
    record::Contact contact;
    contact.kind = record::ContactKind::call;
    contact.source = std::move(source);
    contact.ingress = std::move(ingress);
    contact.caller = details.from;
    contact.caller.tag.clear();
    contact.callee = callee_from(details);
    contact.call = std::move(details);
    return contact;
}

record::Contact call_from_invite(const sip::Message& message, const MessageOrigin& origin, std::string_view call_id,
                                 const std::string& source_name) {
    record::CallDetails d;
    d.call_id = std::string(call_id);
    d.request_uri = std::string(message.request_uri);
    d.from = party_from(message.first(sip::HeaderId::from));
    d.to = party_from(message.first(sip::HeaderId::to));
    d.p_asserted_identity = parties_from(message, sip::HeaderId::p_asserted_identity);
    d.p_preferred_identity = parties_from(message, sip::HeaderId::p_preferred_identity);
    d.remote_party_id = parties_from(message, sip::HeaderId::remote_party_id);
    d.diversion = parties_from(message, sip::HeaderId::diversion);
    d.history_info = parties_from(message, sip::HeaderId::history_info);
    d.privacy = sip::unfold(message.first(sip::HeaderId::privacy));
    d.has_identity_header = message.has(sip::HeaderId::identity);
    d.contact = sip::unfold(message.first(sip::HeaderId::contact));
    auto vias = message.values(sip::HeaderId::via);
    d.via_count = vias.size();
    if (!vias.empty()) {
        d.via_first = via_from(vias.front());
        d.via_last = via_from(vias.back());
    }
    d.user_agent = sip::unfold(message.first(sip::HeaderId::user_agent));
    if (message.has(sip::HeaderId::max_forwards)) d.max_forwards = parse_int(message.first(sip::HeaderId::max_forwards));
    d.content_type = sip::unfold(message.first(sip::HeaderId::content_type));
    d.media = media_from(message);
    d.timeline.invite = origin.ts;
    d.messages = 1;
    return call_contact(std::move(d), ingress_from(origin), source_name);
}

bool is_initial_invite(const sip::Message& message) {
    return message.is_request && message.method == "INVITE" && !has_to_tag(message);
}

// What a call in progress holds: its details, ingress and verdict, not a whole Contact (whose
// SMS part, caller and callee copies would cost every pending call about a kilobyte more); the
// record is assembled once, when the call ends. An ended call lingers with its details released.
struct CallTracker::Call {
    std::string call_id;  // the table's key (details.call_id leaves with the record)
    record::CallDetails details;
    record::Ingress ingress;
    std::optional<record::Verdict> verdict;
    std::uint32_t source = 0;  // index into the tracker's source names
    CallState state = CallState::setup;
    std::uint32_t invite_cseq = 0;
    bool cancel_seen = false;
    std::uint64_t generation = 0;
    std::list<std::string>::iterator order_position;
};

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
    for (const auto& [id, call] : calls_) open += call->state != CallState::ended;
    return open;
}

CallTracker::Call* CallTracker::find(std::string_view call_id) {
    auto it = calls_.find(std::string(call_id));
    return it == calls_.end() ? nullptr : it->second.get();
}

CallMessageSeen CallTracker::on_message(const sip::Message& message, const MessageOrigin& origin,
                                        const record::Verdict* judged) {
    if (message.is_request) return on_request(message, origin, judged);
    on_response(message, origin);
    return {};
}

namespace {

CallMessageSeen seen(const std::optional<record::Verdict>& verdict, bool judged_now) {
    return CallMessageSeen{verdict ? &*verdict : nullptr, judged_now, true};
}

}  // namespace

CallMessageSeen CallTracker::known(std::string_view call_id) {
    const Call* call = find(call_id);
    return call ? seen(call->verdict, false) : CallMessageSeen{};
}

CallMessageSeen CallTracker::on_request(const sip::Message& message, const MessageOrigin& origin,
                                        const record::Verdict* judged) {
    auto call_id = sip::unfold(message.first(sip::HeaderId::call_id));
    if (call_id.empty()) return {};
    auto cseq = sip::parse_cseq(message.first(sip::HeaderId::cseq));
    Call* call = find(call_id);

    if (message.method == "INVITE" && !has_to_tag(message)) {
        std::uint32_t number = cseq ? cseq->number : 0;
        if (!call) return seen(on_initial_invite(message, origin, call_id, number, judged).verdict, true);
        ++call->details.messages;
        if (call->state == CallState::challenged && number != call->invite_cseq) {
            // The same attempt again, now with credentials.
            call->state = CallState::setup;
            call->invite_cseq = number;
            call->details.final_status = 0;
            call->details.final_reason.clear();
            schedule(*call, origin.ts + limits_.setup_timeout);
        } else {
            ++call->details.invite_retransmissions;
            ++invite_retransmissions_;
        }
        return seen(call->verdict, false);
    }
    if (!call) {
        ++orphan_messages_;
        return {};
    }
    ++call->details.messages;
    if (call->state == CallState::ended) return seen(call->verdict, false);
    if (message.method == "INVITE") {
        ++call->details.reinvites;
    } else if (message.method == "CANCEL") {
        call->cancel_seen = true;
    } else if (message.method == "BYE") {
        finish(*call, CallEnd::bye, origin.ts);
    }
    return seen(call->verdict, false);
}

CallTracker::Call& CallTracker::on_initial_invite(const sip::Message& message, const MessageOrigin& origin,
                                                  std::string_view call_id, std::uint32_t cseq,
                                                  const record::Verdict* judged) {
    if (calls_.size() >= limits_.max_calls) evict_oldest(origin.ts);

    auto call = std::make_unique<Call>();
    call->invite_cseq = cseq;
    record::Contact provisional = call_from_invite(message, origin, call_id);
    // Judged once, here (or already, on the INVITE's head over TCP): retransmissions, the retry
    // with credentials and re-INVITEs keep it.
    if (judged != nullptr) {
        provisional.verdict = *judged;
    } else if (decider_) {
        decider_->decide(provisional);
    }
    call->call_id = std::string(call_id);
    call->details = std::move(*provisional.call);
    call->ingress = std::move(provisional.ingress);
    call->verdict = std::move(provisional.verdict);
    call->source = static_cast<std::uint32_t>(sources_.size() - 1);

    Call& stored = *call;
    creation_order_.push_back(stored.call_id);
    stored.order_position = std::prev(creation_order_.end());
    calls_.emplace(stored.call_id, std::move(call));
    schedule(stored, origin.ts + limits_.setup_timeout);
    return stored;
}

void CallTracker::on_response(const sip::Message& message, const MessageOrigin& origin) {
    Call* call = find(sip::unfold(message.first(sip::HeaderId::call_id)));
    if (!call) {
        ++orphan_messages_;
        return;
    }
    auto& d = call->details;
    ++d.messages;
    if (call->state == CallState::ended) return;  // its record is written; it only absorbs retransmissions
    if (d.server.empty()) d.server = sip::unfold(message.first(sip::HeaderId::server));
    auto cseq = sip::parse_cseq(message.first(sip::HeaderId::cseq));
    if (!cseq || cseq->method != "INVITE") return;

    const int status = message.status_code;
    if (status < 200) {
        if (!d.timeline.first_provisional) {
            d.timeline.first_provisional = origin.ts;
            d.timeline.first_provisional_status = status;
        }
        if ((status == 180 || status == 183) && !d.timeline.ringing) d.timeline.ringing = origin.ts;
        return;
    }
    d.final_status = status;
    d.final_reason = std::string(message.reason_phrase);
    if (status < 300) {
        if (!d.timeline.answer) d.timeline.answer = origin.ts;
        if (call->state != CallState::answered) {
            call->state = CallState::answered;
            schedule(*call, origin.ts + limits_.max_duration);
        }
        return;
    }
    if (status == 401 || status == 407) {
        call->state = CallState::challenged;
        schedule(*call, origin.ts + limits_.linger);
        return;
    }
    finish(*call, call->cancel_seen && status == 487 ? CallEnd::cancel : CallEnd::rejected, origin.ts);
}

void CallTracker::finish(Call& call, CallEnd end, Timestamp at) {
    call.details.end = end;
    call.details.timeline.end = at;
    call.state = CallState::ended;
    ++emitted_;
    ++ends_[static_cast<std::size_t>(end)];
    sink_.on_contact(take_record(call, at));
    schedule(call, at + limits_.linger);
}

record::Contact CallTracker::take_record(Call& call, Timestamp at) {
    record::Contact contact = call_contact(std::exchange(call.details, {}), std::exchange(call.ingress, {}),
                                           sources_[call.source]);
    contact.ts = at;
    // A call blocked or tagged keeps its verdict while it lingers: inline, its retransmissions,
    // the ACK of our answer and a CANCEL are treated as it was.
    if (call.verdict && record::acts_on_wire(call.verdict->action)) {
        contact.verdict = call.verdict;
    } else {
        contact.verdict = std::exchange(call.verdict, std::nullopt);
    }
    return contact;
}

void CallTracker::schedule(Call& call, Timestamp deadline) {
    call.generation = next_generation_++;
    deadlines_.push({deadline, call.generation, call.call_id});
}

void CallTracker::expire(Timestamp now) {
    while (!deadlines_.empty() && deadlines_.top().at <= now) {
        Deadline due = deadlines_.top();
        deadlines_.pop();
        auto it = calls_.find(due.call_id);
        if (it == calls_.end() || it->second->generation != due.generation) continue;  // stale
        Call& call = *it->second;
        switch (call.state) {
            case CallState::ended:
                creation_order_.erase(call.order_position);
                calls_.erase(it);
                break;
            case CallState::challenged:
                finish(call, CallEnd::rejected, due.at);
                break;
            case CallState::setup:
                finish(call, call.cancel_seen ? CallEnd::cancel : CallEnd::timeout, due.at);
                break;
            case CallState::answered:
                finish(call, CallEnd::timeout, due.at);
                break;
        }
    }
}

void CallTracker::evict_oldest(Timestamp now) {
    while (!creation_order_.empty()) {
        auto it = calls_.find(creation_order_.front());
        creation_order_.pop_front();
        if (it == calls_.end()) continue;
        if (it->second->state != CallState::ended) finish(*it->second, CallEnd::evicted, now);
        calls_.erase(it);
        return;
    }
}

void CallTracker::flush(CallEnd end, Timestamp now) {
    for (const auto& id : creation_order_) {
        auto it = calls_.find(id);
        if (it != calls_.end() && it->second->state != CallState::ended) finish(*it->second, end, now);
    }
    calls_.clear();
    creation_order_.clear();
    deadlines_ = {};
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
