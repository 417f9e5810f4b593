#include "pipeline/sms_tracker.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace scamgate::pipeline {

namespace {

std::string concat_key(const SmsPart& part) {
    const auto& sms = *part.contact.sms;
    const auto& c = *part.concat;
    const std::string_view recipient =
        sms.recipients.empty() ? std::string_view() : std::string_view(sms.recipients.front().address);
    // NUL separators: no field can contain one (SMPP C-strings, URI users).
    std::string key;
    for (std::string_view field : {std::string_view(sms.protocol), std::string_view(sms.account),
                                   std::string_view(sms.sender.address), recipient, std::string_view(c.method)}) {
        key += field;
        key += '\0';
    }
    key += fmt::format("{}/{}", c.reference, c.total);
    return key;
}

void append_unique(std::vector<std::string>& to, const std::vector<std::string>& from) {
    for (const auto& id : from) {
        if (std::find(to.begin(), to.end(), id) == to.end()) to.push_back(id);
    }
}

// Adds one later part's text and facts to the record built from the first part present.
void merge_part(record::Contact& into, const record::Contact& part) {
    auto& sms = *into.sms;
    const auto& more = *part.sms;
    sms.text += more.text;
    sms.binary_hex += more.binary_hex;
    sms.replaced_characters += more.replaced_characters;
    into.ts = std::max(into.ts, part.ts);
    sms.first_seen = std::min(sms.first_seen, more.first_seen);
    if (sms.smpp && more.smpp) {
        append_unique(sms.smpp->message_ids, more.smpp->message_ids);
        if (!sms.smpp->command_status) sms.smpp->command_status = more.smpp->command_status;
    }
    if (!sms.receipt && more.receipt) sms.receipt = more.receipt;
    sms.part_keys.insert(sms.part_keys.end(), more.part_keys.begin(), more.part_keys.end());
}

}  // namespace

record::Contact join_parts(std::vector<std::optional<SmsPart>>& parts, const ConcatInfo& info) {
    std::optional<record::Contact> joined;
    record::SmsParts summary;
    summary.total = info.total;
    summary.received = 0;
    summary.reference = info.reference;
    summary.method = info.method;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (!parts[i]) {
            summary.missing.push_back(static_cast<std::uint16_t>(i + 1));
            continue;
        }
        ++summary.received;
        if (!joined) {
            joined = std::move(parts[i]->contact);
        } else {
            merge_part(*joined, parts[i]->contact);
        }
    }
    summary.complete = summary.missing.empty();
    joined->sms->parts = std::move(summary);
    return std::move(*joined);
}

bool is_concatenated(const SmsPart& part) { return part.concat && part.concat->total > 1; }

SmsTracker::SmsTracker(const SmsLimits& limits, record::ContactSink& sink) : limits_(limits), sink_(sink) {}

void SmsTracker::on_request(const PendingKey& key, SmsPart part) {
    ++parts_;
    // A full table: the oldest request by deadline gives way and is recorded without its response.
    while (pending_.size() >= limits_.max_pending_responses) {
        auto oldest = pop_due_pending(std::numeric_limits<Timestamp>::max());
        if (!oldest) break;
        ++pending_evicted_;
        release_unanswered(*oldest);
    }
    const Timestamp deadline = part.contact.ts + limits_.response_timeout;
    auto [it, inserted] = pending_.try_emplace(key, Pending{std::move(part), deadline});
    if (!inserted) {
        // Sequence number reused before its response: the older request goes without one.
        ++unanswered_;
        auto older = std::move(it->second.part);
        it->second = Pending{std::move(part), deadline};
        release(std::move(older));
    }
    response_deadlines_.push({deadline, key});
}

void SmsTracker::on_response(const PendingKey& key, std::uint32_t command_status, std::string_view message_id) {
    auto it = pending_.find(key);
    if (it == pending_.end()) {
        ++unmatched_responses_;
        return;
    }
    auto part = std::move(it->second.part);
    pending_.erase(it);
    auto& smpp = *part.contact.sms->smpp;
    smpp.command_status = command_status;
    if (!message_id.empty()) smpp.message_ids.emplace_back(message_id);
    if (command_status != 0) ++rejected_by_smsc_;
    release(std::move(part));
}

void SmsTracker::on_part(SmsPart part) {
    ++parts_;
    release(std::move(part));
}

void SmsTracker::end_connection(std::uint64_t connection) {
    auto it = pending_.lower_bound(PendingKey{connection, net::Direction::from_originator, 0});
    while (it != pending_.end() && it->first.connection == connection) it = release_unanswered(it);
}

void SmsTracker::release(SmsPart part) {
    if (part.contact.sms->receipt) ++receipts_;
    if (is_concatenated(part)) {
        add_to_concat(std::move(part));
        return;
    }
    emit(std::move(part.contact));
}

void SmsTracker::add_to_concat(SmsPart part) {
    const auto& info = *part.concat;
    const std::string key = concat_key(part);
    auto it = concat_.find(key);
    if (it == concat_.end()) {
        if (concat_.size() >= limits_.max_concat_messages) evict_oldest_concat();
        ConcatMessage message;
        message.parts.resize(info.total);
        message.deadline = part.contact.ts + limits_.concat_timeout;
        message.generation = next_generation_++;
        concat_deadlines_.push({message.deadline, message.generation, key});
        it = concat_.emplace(key, std::move(message)).first;
    }
    auto& slot = it->second.parts[info.sequence - 1];
    if (slot) {
        ++duplicate_parts_;
        return;
    }
    slot = std::move(part);
    if (++it->second.received == it->second.parts.size()) finish_concat(it);
}

void SmsTracker::finish_concat(ConcatMap::iterator it) {
    ConcatInfo info;
    for (const auto& p : it->second.parts) {
        if (p) {
            info = *p->concat;
            break;
        }
    }
    auto contact = join_parts(it->second.parts, info);
    concat_.erase(it);
    emit(std::move(contact));
}

void SmsTracker::evict_oldest_concat() {
    if (auto oldest = pop_due_concat(std::numeric_limits<Timestamp>::max())) {
        ++concat_evicted_;
        finish_concat(*oldest);
    }
}

void SmsTracker::emit(record::Contact contact) {
    ++messages_;
    if (!contact.sms->parts.complete) ++incomplete_;
    contact.source = source_name_;
    sink_.on_contact(contact);
}

void SmsTracker::expire(Timestamp now) {
    expire_responses(now);
    expire_concat(now);
}

void SmsTracker::expire_responses(Timestamp now) {
    while (auto due = pop_due_pending(now)) release_unanswered(*due);
}

void SmsTracker::expire_concat(Timestamp now) {
    while (auto due = pop_due_concat(now)) finish_concat(*due);
}

// Heap entries are not removed when their request is answered or their message completes; they
// are skipped here when they no longer match the table (lazy deletion).
std::optional<SmsTracker::PendingMap::iterator> SmsTracker::pop_due_pending(Timestamp up_to) {
    while (!response_deadlines_.empty() && response_deadlines_.top().at <= up_to) {
        const auto due = response_deadlines_.top();
        response_deadlines_.pop();
        auto it = pending_.find(due.key);
        if (it != pending_.end() && it->second.deadline == due.at) return it;
    }
    return std::nullopt;
}

std::optional<SmsTracker::ConcatMap::iterator> SmsTracker::pop_due_concat(Timestamp up_to) {
    while (!concat_deadlines_.empty() && concat_deadlines_.top().at <= up_to) {
        const auto due = concat_deadlines_.top();
        concat_deadlines_.pop();
        auto it = concat_.find(due.key);
        if (it != concat_.end() && it->second.generation == due.generation) return it;
    }
    return std::nullopt;
}

SmsTracker::PendingMap::iterator SmsTracker::release_unanswered(PendingMap::iterator it) {
    ++unanswered_;
    auto part = std::move(it->second.part);
    auto next = pending_.erase(it);
    release(std::move(part));
    return next;
}

void SmsTracker::flush() {
    for (auto it = pending_.begin(); it != pending_.end();) it = release_unanswered(it);
    response_deadlines_ = {};
    while (!concat_.empty()) finish_concat(concat_.begin());
    concat_deadlines_ = {};
}

void SmsTracker::append_stats(StatsReport& report) const {
    report.add("sms.messages", messages_);
    report.add("sms.incomplete", incomplete_);
    report.add("sms.parts", parts_);
    report.add("sms.receipts", receipts_);
    report.add("sms.unanswered", unanswered_);
    report.add("sms.rejected_by_smsc", rejected_by_smsc_);
    report.add("sms.duplicate_parts", duplicate_parts_);
    report.add("sms.unmatched_responses", unmatched_responses_);
    report.add("sms.pending_evicted", pending_evicted_);
    report.add("sms.concat_evicted", concat_evicted_);
    report.add("sms.pending", pending_.size());
    report.add("sms.concat_pending", concat_.size());
}

}  // namespace scamgate::pipeline
