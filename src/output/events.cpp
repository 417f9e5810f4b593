#include "output/events.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <xxhash.h>

namespace scamgate::output {

using nlohmann::json;

namespace {

json party_json(const record::Party& party) {
    json j = json::object();
    if (!party.display.empty()) j["display"] = party.display;
    j["uri"] = party.uri;
    j["user"] = party.user;
    if (!party.host.empty()) j["host"] = party.host;
    if (!party.tag.empty()) j["tag"] = party.tag;
    if (party.user_is_phone) j["user_is_phone"] = true;
    return j;
}

json parties_json(const std::vector<record::Party>& parties) {
    json list = json::array();
    for (const auto& p : parties) list.push_back(party_json(p));
    return list;
}

json ingress_json(const record::Ingress& in) {
    json j = {{"src_ip", in.src.to_string()},
              {"src_port", in.src_port},
              {"dst_ip", in.dst.to_string()},
              {"dst_port", in.dst_port},
              {"transport", in.transport}};
    if (!in.vlans.empty()) j["vlan"] = in.vlans;
    if (in.tunnel != net::TunnelKind::none) {
        j["tunnel"] = {{"kind", net::tunnel_name(in.tunnel)},
                       {"src_ip", in.tunnel_src.to_string()},
                       {"dst_ip", in.tunnel_dst.to_string()},
                       {"id", in.tunnel_id}};
    }
    return j;
}

json via_json(const record::Via& via) {
    json j = {{"transport", via.transport}, {"host", via.host}};
    if (via.port != 0) j["port"] = via.port;
    if (!via.branch.empty()) j["branch"] = via.branch;
    return j;
}

json optional_time(const std::optional<Timestamp>& ts) {
    return ts ? json(format_rfc3339(*ts)) : json(nullptr);
}

double seconds_between(Timestamp from, Timestamp to) {
    return static_cast<double>(to - from) / static_cast<double>(kNanosPerSecond);
}

json timeline_json(const record::CallTimeline& t) {
    json j = {{"invite", format_rfc3339(t.invite)},
              {"first_provisional", optional_time(t.first_provisional)},
              {"ringing", optional_time(t.ringing)},
              {"answer", optional_time(t.answer)},
              {"end", format_rfc3339(t.end)}};
    if (t.first_provisional) j["first_provisional_status"] = t.first_provisional_status;
    return j;
}

void add_call_fields(json& j, const record::CallDetails& call) {
    j["call_id"] = call.call_id;
    j["request_uri"] = call.request_uri;
    j["from"] = party_json(call.from);
    j["to"] = party_json(call.to);
    j["identities"] = {{"p_asserted_identity", parties_json(call.p_asserted_identity)},
                       {"p_preferred_identity", parties_json(call.p_preferred_identity)},
                       {"remote_party_id", parties_json(call.remote_party_id)},
                       {"diversion", parties_json(call.diversion)},
                       {"history_info", parties_json(call.history_info)}};
    j["identity_header"] = call.has_identity_header;
    if (!call.privacy.empty()) j["privacy"] = call.privacy;
    if (!call.contact.empty()) j["contact"] = call.contact;
    if (call.via_first) j["via_first"] = via_json(*call.via_first);
    if (call.via_last) j["via_last"] = via_json(*call.via_last);
    j["via_count"] = call.via_count;
    if (!call.user_agent.empty()) j["user_agent"] = call.user_agent;
    if (!call.server.empty()) j["server"] = call.server;
    if (call.max_forwards) j["max_forwards"] = *call.max_forwards;
    if (!call.content_type.empty()) j["body_type"] = call.content_type;
    json media = json::array();
    for (const auto& m : call.media) {
        media.push_back({{"type", m.type}, {"address", m.address}, {"port", m.port}, {"protocol", m.protocol}});
    }
    j["media"] = media;
    j["timeline"] = timeline_json(call.timeline);
    j["final_status"] = call.final_status == 0 ? json(nullptr) : json(call.final_status);
    if (!call.final_reason.empty()) j["final_reason"] = call.final_reason;
    j["end_reason"] = record::call_end_name(call.end);
    j["setup_time_s"] = call.timeline.answer ? json(seconds_between(call.timeline.invite, *call.timeline.answer))
                                             : json(nullptr);
    j["duration_s"] = call.timeline.answer ? json(seconds_between(*call.timeline.answer, call.timeline.end))
                                           : json(0.0);
    j["messages"] = call.messages;
    j["invite_retransmissions"] = call.invite_retransmissions;
    j["reinvites"] = call.reinvites;
}

json sms_address_json(const record::SmsAddress& a) {
    json j = {{"address", a.address}};
    if (a.ton) j["ton"] = *a.ton;
    if (a.npi) j["npi"] = *a.npi;
    return j;
}

json parts_json(const record::SmsParts& parts) {
    json j = {{"total", parts.total}, {"received", parts.received}, {"complete", parts.complete}};
    if (parts.reference) j["reference"] = *parts.reference;
    if (!parts.method.empty()) j["method"] = parts.method;
    if (!parts.missing.empty()) j["missing"] = parts.missing;
    return j;
}

json smpp_json(const record::SmppFacts& f) {
    json j = {{"command", f.command},
              {"sequence_number", f.sequence_number},
              {"service_type", f.service_type},
              {"esm_class", f.esm_class},
              {"protocol_id", f.protocol_id},
              {"priority", f.priority},
              {"registered_delivery", f.registered_delivery},
              {"data_coding", f.data_coding},
              {"message_ids", f.message_ids},
              {"command_status", f.command_status ? json(*f.command_status) : json(nullptr)}};
    if (f.source_port) j["source_port"] = *f.source_port;
    if (f.destination_port) j["destination_port"] = *f.destination_port;
    if (!f.other_tlvs.empty()) {
        json tlvs = json::array();
        for (const auto& t : f.other_tlvs) tlvs.push_back({{"tag", t.tag}, {"value", t.value_hex}});
        j["tlvs"] = tlvs;
    }
    return j;
}

json sip_sms_json(const record::SipSmsFacts& f) {
    json j = {{"call_id", f.call_id}, {"request_uri", f.request_uri}, {"content_type", f.content_type}};
    if (!f.user_agent.empty()) j["user_agent"] = f.user_agent;
    if (!f.rp_type.empty()) {
        j["rp"] = {{"type", f.rp_type},
                   {"message_reference", f.rp_message_reference.value_or(0)},
                   {"originator", f.rp_originator},
                   {"destination", f.rp_destination}};
        j["tp"] = {{"type", f.tp_type}, {"dcs", f.tp_dcs.value_or(0)}, {"pid", f.tp_pid.value_or(0)}};
    }
    return j;
}

void add_sms_fields(json& j, const record::SmsDetails& sms, const EventOptions& options) {
    j["protocol"] = sms.protocol;
    j["sender"] = sms_address_json(sms.sender);
    j["recipient"] = sms.recipients.empty() ? json(nullptr) : sms_address_json(sms.recipients.front());
    if (sms.recipients.size() > 1) {
        json all = json::array();
        for (const auto& r : sms.recipients) all.push_back(sms_address_json(r));
        j["recipients"] = all;
    }
    j["account"] = sms.account.empty() ? json(nullptr) : json(sms.account);
    j["text"] = options.redact_text ? redacted_text(sms.text) : json(sms.text);
    j["encoding"] = sms.encoding;
    if (!sms.binary_hex.empty()) {
        j["binary"] = options.redact_text ? json({{"length", sms.binary_hex.size() / 2}}) : json(sms.binary_hex);
    }
    if (sms.replaced_characters != 0) j["replaced_characters"] = sms.replaced_characters;
    j["parts"] = parts_json(sms.parts);
    j["first_seen"] = format_rfc3339(sms.first_seen);
    if (sms.receipt) {
        j["receipt"] = {{"message_id", sms.receipt->message_id}, {"state", sms.receipt->state},
                        {"error", sms.receipt->error}};
    }
    if (sms.smpp) j["smpp"] = smpp_json(*sms.smpp);
    if (sms.sip) j["sip"] = sip_sms_json(*sms.sip);
}

void add_verdict_fields(json& j, const record::Verdict& v) {
    j["trunk"] = v.trunk.empty() ? json(nullptr) : json(v.trunk);
    j["role"] = v.role;
    j["score"] = v.score;
    json hits = json::array();
    for (const auto& h : v.hits) {
        json hit = {{"id", h.id}, {"name", h.name}, {"category", h.category}, {"field", h.field}, {"score", h.score}};
        if (!h.view.empty()) hit["view"] = h.view;
        if (!h.value.empty()) hit["value"] = h.value;
        hits.push_back(std::move(hit));
    }
    j["hits"] = hits;
    json checks = json::array();
    for (const auto& c : v.checks) checks.push_back({{"name", c.name}, {"evidence", c.evidence}, {"score", c.score}});
    j["checks"] = checks;
    j["categories"] = v.categories;
    j["lists"] = v.lists;
    if (v.model) {
        // Four decimals: enough to compare with the policy's bands, stable across builds.
        j["model"] = {{"name", v.model->name},
                      {"version", v.model->version},
                      {"probability", std::round(v.model->probability * 10000.0) / 10000.0}};
        // What the policy's model band added to the capped sum; a calibrated score has no such part.
        if (!v.calibration) j["model"]["score"] = v.model->score;
    }
    if (v.calibration) j["calibration"] = {{"name", v.calibration->name}, {"version", v.calibration->version}};
    if (v.host_model) {
        j["host_model"] = {{"name", v.host_model->name},
                           {"version", v.host_model->version},
                           {"probability", std::round(v.host_model->probability * 10000.0) / 10000.0},
                           {"host", v.host_model->host}};
    }
    j["rule"] = v.rule;
    j["action"] = v.action;
    j["enforced"] = v.enforced;
    if (v.not_enforced_reason) j["not_enforced_reason"] = record::not_enforced_reason_name(*v.not_enforced_reason);
    if (v.action == "reject") {
        j["reject"] = {{"sip_status", v.sip_status.value_or(0)}, {"sip_reason", v.sip_reason},
                       {"smpp_status", v.smpp_status.value_or(0)}};
    }
    if (!v.tags.empty()) j["tags"] = v.tags;
}

std::size_t utf8_characters(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

json redacted_text(std::string_view utf8) {
    const auto hash = XXH3_128bits(utf8.data(), utf8.size());
    return {{"length", utf8_characters(utf8)}, {"xxh3_128", fmt::format("{:016x}{:016x}", hash.high64, hash.low64)}};
}

json to_json(const record::Contact& contact, const EventOptions& options) {
    json j;
    j["ts"] = format_rfc3339(contact.ts);
    j["kind"] = contact.kind == record::ContactKind::call ? "call" : "sms";
    j["source"] = contact.source;
    j["caller"] = party_json(contact.caller);
    j["callee"] = party_json(contact.callee);
    j["ingress"] = ingress_json(contact.ingress);
    if (contact.call) add_call_fields(j, *contact.call);
    if (contact.sms) add_sms_fields(j, *contact.sms, options);
    if (contact.verdict) add_verdict_fields(j, *contact.verdict);
    return j;
}

json to_json(const UnparsedEvent& event) {
    json j;
    j["ts"] = format_rfc3339(event.ts);
    j["kind"] = "unparsed";
    j["source"] = event.source;
    j["ingress"] = ingress_json(event.ingress);
    j["anomaly"] = event.anomaly;
    j["action"] = event.action;
    j["enforced"] = event.enforced;
    j["wire"] = event.enforced ? "dropped" : "forwarded";
    return j;
}

json to_json(const StatsReport& report) {
    json j = json::object();
    for (const auto& [name, value] : report.values()) j[name] = value;
    return j;
}

JsonlWriter::JsonlWriter(const std::string& path, std::ostream& stdout_stream, EventOptions options)
    : out_(&stdout_stream), options_(options) {
    if (path == "-") return;
    if (path.empty()) {
        out_ = nullptr;
        return;
    }
    file_ = std::make_unique<std::ofstream>(path, std::ios::out | std::ios::trunc);
    if (!*file_) throw std::runtime_error("cannot write events to " + path);
    out_ = file_.get();
}

std::string to_jsonl(const record::Contact& contact, const EventOptions& options) {
    std::string line = to_json(contact, options).dump(-1, ' ', false, json::error_handler_t::replace);
    line += '\n';
    return line;
}

void JsonlWriter::on_contact(const record::Contact& contact) { write_line(to_jsonl(contact, options_)); }

void JsonlWriter::write_line(std::string_view line) {
    if (out_ != nullptr) *out_ << line;
    if (tap_) tap_(line);
    ++written_;
}

void JsonlWriter::on_unparsed(const UnparsedEvent& event) {
    std::string line = to_json(event).dump(-1, ' ', false, json::error_handler_t::replace);
    line += '\n';
    write_line(line);
}

void JsonlWriter::flush() {
    if (out_ != nullptr) out_->flush();
}

// --- Summary table ---------------------------------------------------------------------------

namespace {

// Cuts to `width` bytes on a UTF-8 character boundary, marking the cut with '~'.
std::string clip(std::string_view text, std::size_t width) {
    if (text.size() <= width) return std::string(text);
    std::size_t end = width - 1;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return std::string(text.substr(0, end)) + "~";
}

std::string outcome_text(const record::CallDetails& call) {
    std::string text = record::call_end_name(call.end);
    if (call.final_status != 0) text += fmt::format(" {}", call.final_status);
    if (call.timeline.answer) {
        text += fmt::format(" {:.1f}s", seconds_between(*call.timeline.answer, call.timeline.end));
    }
    return text;
}

// The table's id column for an SMS: protocol and account, then the start of the text.
std::string sms_label(const record::SmsDetails& sms, const EventOptions& options) {
    std::string label = sms.protocol;
    if (!sms.account.empty()) label += ":" + sms.account;
    if (!options.redact_text && !sms.text.empty()) label += " \"" + sms.text + "\"";
    return label;
}

std::string sms_outcome(const record::SmsDetails& sms) {
    std::string text = sms.receipt ? "receipt" : sms.encoding;
    if (sms.parts.total > 1) text += fmt::format(" {}/{}", sms.parts.received, sms.parts.total);
    if (sms.smpp && sms.smpp->command_status && *sms.smpp->command_status != 0) {
        text += fmt::format(" st={:#x}", *sms.smpp->command_status);
    }
    return text;
}

// "drop 85 (monitor)": the decided action, the score, and why it was not carried out on the wire
// (offline for a replay in enforce mode); nothing after allow, alert or an enforced action.
std::string verdict_text(const record::Contact& contact) {
    if (!contact.verdict) return "-";
    const auto& v = *contact.verdict;
    std::string text = fmt::format("{} {}", v.action, v.score);
    if (v.not_enforced_reason) text += fmt::format(" ({})", record::not_enforced_reason_name(*v.not_enforced_reason));
    return text;
}

}  // namespace

void SummaryTable::on_contact(const record::Contact& contact) {
    Row row;
    row.time = format_rfc3339(contact.ts).substr(0, 19);
    row.caller = contact.caller.user.empty() ? contact.caller.uri : contact.caller.user;
    row.callee = contact.callee.user.empty() ? contact.callee.uri : contact.callee.user;
    row.ingress = fmt::format("{}/{}", contact.ingress.src.to_string(), contact.ingress.transport);
    row.kind = contact.kind == record::ContactKind::call ? "call" : "sms";
    if (contact.call) {
        row.call_id = contact.call->call_id;
        row.outcome = outcome_text(*contact.call);
    }
    if (contact.sms) {
        row.call_id = sms_label(*contact.sms, options_);
        row.outcome = sms_outcome(*contact.sms);
    }
    row.verdict = verdict_text(contact);
    if (contact.verdict) policy_loaded_ = true;
    rows_.push_back(std::move(row));
}

void SummaryTable::print(std::ostream& out, const StatsReport& stats) const {
    constexpr auto kFormat = "{:<19}  {:<5}  {:<24}  {:<16}  {:<16}  {:<20}  {:<16}  {}\n";
    out << fmt::format(kFormat, "time (UTC)", "kind", "call-id / sms", "caller", "callee", "ingress", "outcome",
                       "verdict");
    for (const auto& r : rows_) {
        out << fmt::format(kFormat, r.time, r.kind, clip(r.call_id, 24), clip(r.caller, 16), clip(r.callee, 16),
                           clip(r.ingress, 20), clip(r.outcome, 16), r.verdict);
    }
    out << fmt::format(
        "\n{} packets, {} SIP messages ({} requests, {} responses), {} calls; {} decode errors, {} SIP parse errors\n",
        stats.get("packets"), stats.get("sip.messages"), stats.get("sip.requests"), stats.get("sip.responses"),
        stats.get("calls"), stats.get("decode.errors"), stats.get("sip.parse_errors"));
    out << fmt::format("{} SMPP PDUs, {} SMS ({} incomplete); {} SMPP parse errors\n", stats.get("smpp.pdus"),
                       stats.get("sms.messages"), stats.get("sms.incomplete"), stats.get("smpp.parse_errors"));
    if (!policy_loaded_) {
        out << "verdicts: detection is off (detection.enabled: false), so no contact has one\n";
    } else {
        // The policy's enforce mode, and what of it was carried out on the wire (none in a replay).
        out << fmt::format("verdicts: {} allow, {} alert, {} tag, {} drop, {} reject; {} enforced by the policy, {} "
                           "carried out\n",
                           stats.get("policy.action.allow"), stats.get("policy.action.alert"), stats.get("policy.action.tag"),
                           stats.get("policy.action.drop"), stats.get("policy.action.reject"), stats.get("policy.enforced"),
                           stats.get("policy.applied"));
    }
}

}  // namespace scamgate::output
