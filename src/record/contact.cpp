#include "record/contact.h"

#include <fmt/format.h>

namespace scamgate::record {

const char* call_end_name(CallEnd end) {
    switch (end) {
        case CallEnd::bye: return "bye";
        case CallEnd::cancel: return "cancel";
        case CallEnd::rejected: return "rejected";
        case CallEnd::timeout: return "timeout";
        case CallEnd::capture_end: return "capture_end";
        case CallEnd::evicted: return "evicted";
    }
    return "unknown";
}

std::string_view not_enforced_reason_name(NotEnforcedReason reason) {
    switch (reason) {
        case NotEnforcedReason::monitor: return "monitor";
        case NotEnforcedReason::offline: return "offline";
        case NotEnforcedReason::passive: return "passive";
        case NotEnforcedReason::tcp_tag_unsupported: return "tcp_tag_unsupported";
        case NotEnforcedReason::smpp_tag_unsupported: return "smpp_tag_unsupported";
        case NotEnforcedReason::submit_multi: return "submit_multi";
        case NotEnforcedReason::sctp: return "sctp";
        case NotEnforcedReason::tcp_unsafe: return "tcp_unsafe";
        case NotEnforcedReason::not_changeable: return "not_changeable";
        case NotEnforcedReason::fail_open: return "fail_open";
        case NotEnforcedReason::not_seen_inline: return "not_seen_inline";
        case NotEnforcedReason::decided_otherwise: return "decided_otherwise";
        case NotEnforcedReason::partial: return "partial";
    }
    return "unknown";
}

std::string sip_message_key(std::string_view call_id) { return fmt::format("sip {}", call_id); }

std::string smpp_message_key(const net::FlowTuple& tuple, std::uint32_t sequence) {
    return fmt::format("smpp {}:{} {}:{} {}", tuple.src.to_string(), tuple.src_port, tuple.dst.to_string(),
                       tuple.dst_port, sequence);
}

std::vector<std::string> message_keys(const Contact& contact) {
    if (contact.call) return {sip_message_key(contact.call->call_id)};
    if (contact.sms) return contact.sms->part_keys;
    return {};
}

}  // namespace scamgate::record
