#include "output/events.h"

#include <stdexcept>

#include <fmt/format.h>

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

}  // namespace

json to_json(const record::Contact& contact) {
    json j;
    j["ts"] = format_rfc3339(contact.ts);
    j["kind"] = contact.kind == record::ContactKind::call ? "call" : "sms";
    j["source"] = contact.source;
    j["caller"] = party_json(contact.caller);
    j["callee"] = party_json(contact.callee);
    j["ingress"] = ingress_json(contact.ingress);
    if (contact.call) add_call_fields(j, *contact.call);
    return j;
}

json to_json(const StatsReport& report) {
    json j = json::object();
    for (const auto& [name, value] : report.values()) j[name] = value;
    return j;
}

JsonlWriter::JsonlWriter(const std::string& path, std::ostream& stdout_stream) : out_(&stdout_stream) {
    if (path == "-") return;
    file_ = std::make_unique<std::ofstream>(path, std::ios::out | std::ios::trunc);
    if (!*file_) throw std::runtime_error("cannot write events to " + path);
    out_ = file_.get();
}

void JsonlWriter::on_contact(const record::Contact& contact) {
    *out_ << to_json(contact).dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    ++written_;
}

void JsonlWriter::flush() { out_->flush(); }

// --- Summary table ---------------------------------------------------------------------------

namespace {

std::string clip(std::string_view text, std::size_t width) {
    if (text.size() <= width) return std::string(text);
    return std::string(text.substr(0, width - 1)) + "~";
}

std::string outcome_text(const record::CallDetails& call) {
    std::string text = record::call_end_name(call.end);
    if (call.final_status != 0) text += fmt::format(" {}", call.final_status);
    if (call.timeline.answer) {
        text += fmt::format(" {:.1f}s", seconds_between(*call.timeline.answer, call.timeline.end));
    }
    return text;
}

}  // namespace

void SummaryTable::on_contact(const record::Contact& contact) {
    Row row;
    row.time = format_rfc3339(contact.ts).substr(0, 19);
    row.caller = contact.caller.user.empty() ? contact.caller.uri : contact.caller.user;
    row.callee = contact.callee.user.empty() ? contact.callee.uri : contact.callee.user;
    row.ingress = fmt::format("{}/{}", contact.ingress.src.to_string(), contact.ingress.transport);
    if (contact.call) {
        row.call_id = contact.call->call_id;
        row.outcome = outcome_text(*contact.call);
    }
    // No policy is evaluated yet: every contact passes. The policy stage fills this in.
    row.verdict = "pass";
    rows_.push_back(std::move(row));
}

void SummaryTable::print(std::ostream& out, const StatsReport& stats) const {
    constexpr auto kFormat = "{:<19}  {:<5}  {:<24}  {:<18}  {:<18}  {:<22}  {:<18}  {}\n";
    out << fmt::format(kFormat, "time (UTC)", "kind", "call-id", "caller", "callee", "ingress", "outcome",
                       "verdict");
    for (const auto& r : rows_) {
        out << fmt::format(kFormat, r.time, "call", clip(r.call_id, 24), clip(r.caller, 18), clip(r.callee, 18),
                           clip(r.ingress, 22), clip(r.outcome, 18), r.verdict);
    }
    out << fmt::format(
        "\n{} packets, {} SIP messages ({} requests, {} responses), {} calls; {} decode errors, {} SIP parse errors\n",
        stats.get("packets"), stats.get("sip.messages"), stats.get("sip.requests"), stats.get("sip.responses"),
        stats.get("calls"), stats.get("decode.errors"), stats.get("sip.parse_errors"));
    out << "policy: none loaded, so every contact passes\n";
}

}  // namespace scamgate::output
