#include "pipeline/sms_build.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "sms/dcs.h"
#include "sms/tpdu.h"
#include "sms/udh.h"

namespace scamgate::pipeline {

namespace {

using sms::Encoding;

record::Party party_for_address(std::string_view address) {
    record::Party party;
    party.user = std::string(address);
    return party;
}

record::SmsAddress smpp_address(const smpp::Address& a) {
    return {std::string(a.value), a.ton, a.npi};
}

// Text of the user data after any UDH, in the message's coding.
struct UserData {
    sms::DecodedText text;
    std::string binary_hex;
    Encoding encoding = Encoding::unknown;
};

UserData decode_user_data(ByteView bytes, const sms::DataCoding& coding) {
    UserData out;
    out.encoding = coding.compressed ? Encoding::binary : coding.encoding;
    if (out.encoding == Encoding::binary || out.encoding == Encoding::unknown) {
        out.binary_hex = sms::to_hex(bytes);
        return out;
    }
    out.text = sms::decode_text(out.encoding, bytes);
    return out;
}

// What one part says of its message until the tracker has joined the others.
record::SmsParts first_part_of(const ConcatInfo& c) {
    return {c.total, 1, c.total <= 1, c.reference, c.method, {}};
}

std::optional<ConcatInfo> concat_from_udh(const sms::Udh& udh) {
    if (!udh.concat) return std::nullopt;
    return ConcatInfo{udh.concat->reference, udh.concat->total, udh.concat->sequence, "udh"};
}

std::optional<ConcatInfo> concat_from_sar(const smpp::ShortMessage& m) {
    const auto ref = m.tlv_u16(smpp::tlv_tag::sar_msg_ref_num);
    const auto total = m.tlv_u16(smpp::tlv_tag::sar_total_segments);
    const auto seq = m.tlv_u16(smpp::tlv_tag::sar_segment_seqnum);
    if (!ref || !total || !seq) return std::nullopt;
    if (*total == 0 || *total > 255 || *seq == 0 || *seq > *total) return std::nullopt;
    return ConcatInfo{*ref, static_cast<std::uint8_t>(*total), static_cast<std::uint8_t>(*seq), "sar"};
}

bool is_decoded_tlv(std::uint16_t tag) {
    using namespace smpp::tlv_tag;
    constexpr std::array decoded = {source_port,        destination_port, sar_msg_ref_num,     sar_total_segments,
                                    sar_segment_seqnum, message_payload,  receipted_message_id, message_state};
    return std::find(decoded.begin(), decoded.end(), tag) != decoded.end();
}

std::string_view message_state_name(std::uint8_t state) {
    constexpr std::array<std::string_view, 10> names = {"SCHEDULED", "ENROUTE", "DELIVRD", "EXPIRED",  "DELETED",
                                                        "UNDELIV",   "ACCEPTD", "UNKNOWN", "REJECTD", "SKIPPED"};
    return state < names.size() ? names[state] : "UNKNOWN";
}

std::optional<record::DeliveryReceipt> receipt_from(const smpp::ShortMessage& m, std::string_view text) {
    if (!m.is_receipt()) return std::nullopt;
    auto receipt = parse_receipt_text(text).value_or(record::DeliveryReceipt{});
    if (auto id = m.tlv(smpp::tlv_tag::receipted_message_id)) {
        auto value = as_text(*id);
        if (auto nul = value.find('\0'); nul != std::string_view::npos) value = value.substr(0, nul);
        receipt.message_id = std::string(value);
    }
    if (auto state = m.tlv(smpp::tlv_tag::message_state); state && state->size() == 1) {
        receipt.state = std::string(message_state_name((*state)[0]));
    }
    return receipt;
}

record::SmppFacts smpp_facts(const smpp::Header& header, const smpp::ShortMessage& m) {
    record::SmppFacts f;
    f.command = std::string(smpp::command_name(header.id));
    f.sequence_number = header.sequence;
    f.service_type = std::string(m.service_type);
    f.esm_class = m.esm_class;
    f.protocol_id = m.protocol_id;
    f.priority = m.priority;
    f.registered_delivery = m.registered_delivery;
    f.data_coding = m.data_coding;
    f.source_port = m.tlv_u16(smpp::tlv_tag::source_port);
    f.destination_port = m.tlv_u16(smpp::tlv_tag::destination_port);
    for (const auto& t : m.tlvs) {
        if (!is_decoded_tlv(t.tag)) f.other_tlvs.push_back({t.tag, sms::to_hex(t.value)});
    }
    return f;
}

record::Contact sms_contact(const MessageOrigin& origin) {
    record::Contact c;
    c.kind = record::ContactKind::sms;
    c.ts = origin.ts;
    c.ingress = ingress_from(origin);
    c.sms.emplace();
    c.sms->first_seen = origin.ts;
    return c;
}

void set_text(record::SmsDetails& sms, UserData data) {
    sms.text = std::move(data.text.utf8);
    sms.replaced_characters = data.text.replaced;
    sms.binary_hex = std::move(data.binary_hex);
    sms.encoding = std::string(sms::encoding_name(data.encoding));
}

void set_parties(record::Contact& c) {
    c.caller = party_for_address(c.sms->sender.address);
    if (!c.sms->recipients.empty()) c.callee = party_for_address(c.sms->recipients.front().address);
}

}  // namespace

std::optional<record::DeliveryReceipt> parse_receipt_text(std::string_view text) {
    auto field = [&](std::string_view name) -> std::optional<std::string> {
        for (std::size_t at = 0; (at = text.find(name, at)) != std::string_view::npos; at += name.size()) {
            const bool word_start = at == 0 || text[at - 1] == ' ';
            if (!word_start) continue;
            const auto start = at + name.size();
            const auto end = text.find(' ', start);
            return std::string(text.substr(start, end == std::string_view::npos ? text.npos : end - start));
        }
        return std::nullopt;
    };
    auto id = field("id:");
    auto stat = field("stat:");
    if (!id && !stat) return std::nullopt;
    record::DeliveryReceipt r;
    r.message_id = id.value_or("");
    r.state = stat.value_or("");
    r.error = field("err:").value_or("");
    return r;
}

SmsBuild sms_from_smpp(const smpp::Header& header, const smpp::ShortMessage& m, std::string_view account,
                       Encoding default_alphabet, const MessageOrigin& origin) {
    SmsBuild out;
    SmsPart part;
    part.contact = sms_contact(origin);
    auto& sms = *part.contact.sms;
    sms.protocol = "smpp";
    sms.account = std::string(account);
    sms.sender = smpp_address(m.source);
    for (const auto& d : m.destinations) sms.recipients.push_back(smpp_address(d));
    for (auto list : m.distribution_lists) sms.recipients.push_back({"list:" + std::string(list), {}, {}});
    sms.smpp = smpp_facts(header, m);
    sms.part_keys = {record::smpp_message_key(origin.tuple, header.sequence)};

    ByteView user_data = m.payload();
    if (m.has_udh()) {
        auto udh = sms::parse_udh(user_data);
        out.anomalies |= udh.anomalies;
        if (udh.udh) {
            user_data = user_data.subspan(std::min(udh.udh->length, user_data.size()));
            part.concat = concat_from_udh(*udh.udh);
            if (udh.udh->ports) {
                sms.smpp->source_port = udh.udh->ports->source;
                sms.smpp->destination_port = udh.udh->ports->destination;
            }
        }
    }
    if (!part.concat) part.concat = concat_from_sar(m);
    auto data = decode_user_data(user_data, sms::interpret_smpp_data_coding(m.data_coding, default_alphabet));
    out.anomalies |= data.text.anomalies;
    sms.receipt = receipt_from(m, data.text.utf8);
    set_text(sms, std::move(data));
    if (part.concat) {
        sms.parts = first_part_of(*part.concat);
    }
    set_parties(part.contact);
    out.part = std::move(part);
    return out;
}

// --- SIP MESSAGE ---------------------------------------------------------------------------

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

struct MediaType {
    std::string type;     // "text/plain", lowercase
    std::string charset;  // lowercase, unquoted; empty when absent
};

MediaType media_type(std::string_view content_type) {
    MediaType mt;
    const auto semi = content_type.find(';');
    mt.type = lower(trim(content_type.substr(0, semi)));
    for (auto at = semi; at != std::string_view::npos;) {
        const auto next = content_type.find(';', at + 1);
        const auto param = trim(content_type.substr(at + 1, next == std::string_view::npos ? next : next - at - 1));
        const auto eq = param.find('=');
        if (eq != std::string::npos && lower(trim(std::string_view(param).substr(0, eq))) == "charset") {
            auto value = trim(std::string_view(param).substr(eq + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
            mt.charset = lower(value);
        }
        at = next;
    }
    return mt;
}

Encoding charset_encoding(std::string_view charset) {
    if (charset.empty() || charset == "utf-8" || charset == "utf8") return Encoding::utf8;
    if (charset == "us-ascii" || charset == "ascii") return Encoding::ascii;
    if (charset == "iso-8859-1" || charset == "latin1" || charset == "iso_8859-1") return Encoding::latin1;
    if (charset == "utf-16" || charset == "utf-16be" || charset == "ucs-2") return Encoding::ucs2;
    return Encoding::unknown;
}

record::SmsAddress uri_address(const record::Party& party) { return {party.user, {}, {}}; }

record::SipSmsFacts sip_facts(const sip::Message& message, std::string_view content_type) {
    record::SipSmsFacts f;
    f.call_id = std::string(message.first(sip::HeaderId::call_id));
    f.request_uri = std::string(message.request_uri);
    f.content_type = std::string(content_type);
    f.user_agent = std::string(message.first(sip::HeaderId::user_agent));
    return f;
}

void decode_text_plain(const sip::Message& message, const MediaType& mt, SmsBuild& out) {
    auto& sms = *out.part->contact.sms;
    UserData data;
    data.encoding = charset_encoding(mt.charset);
    const auto body = as_bytes(message.body);
    if (data.encoding == Encoding::unknown) {
        data.binary_hex = sms::to_hex(body);
    } else {
        data.text = sms::decode_text(data.encoding, body);
        out.anomalies |= data.text.anomalies;
    }
    set_text(sms, std::move(data));
}

// RP-DATA carrying SMS-SUBMIT (from the phone: the sender is the SIP From user) or SMS-DELIVER
// (to the phone: the sender is TP-OA, the recipient the Request-URI user).
bool decode_3gpp(const sip::Message& message, SmsBuild& out) {
    auto& part = *out.part;
    auto& sms = *part.contact.sms;
    auto rp = sms::decode_rp(as_bytes(message.body), out.anomalies);
    if (!rp) return false;
    const bool network_to_ms = rp->type == sms::RpType::data_network_to_ms;
    auto tpdu = sms::decode_tpdu(rp->user_data, network_to_ms, out.anomalies);
    if (!tpdu) return false;
    out.anomalies |= tpdu->anomalies | tpdu->text.anomalies;
    auto& facts = *sms.sip;
    facts.rp_type = network_to_ms ? "rp-data-network-to-ms" : "rp-data-ms-to-network";
    facts.rp_message_reference = rp->message_reference;
    facts.rp_originator = rp->originator.value;
    facts.rp_destination = rp->destination.value;
    facts.tp_type = tpdu->type == sms::TpduType::deliver ? "sms-deliver" : "sms-submit";
    facts.tp_dcs = tpdu->dcs;
    facts.tp_pid = tpdu->protocol_id;
    const record::SmsAddress tp_address{tpdu->address.value, tpdu->address.ton, tpdu->address.npi};
    if (tpdu->type == sms::TpduType::deliver) {
        sms.sender = tp_address;
    } else {
        sms.recipients = {tp_address};
    }
    UserData data;
    data.encoding = tpdu->coding.compressed ? Encoding::binary : tpdu->coding.encoding;
    data.text = std::move(tpdu->text);
    data.binary_hex = std::move(tpdu->binary_hex);
    set_text(sms, std::move(data));
    if (tpdu->udh) {
        part.concat = concat_from_udh(*tpdu->udh);
        if (part.concat) sms.parts = first_part_of(*part.concat);
    }
    return true;
}

}  // namespace

SmsBuild sms_from_sip_message(const sip::Message& message, const MessageOrigin& origin) {
    SmsBuild out;
    const auto content_type = message.first(sip::HeaderId::content_type);
    const auto mt = media_type(content_type);
    const bool text_plain = mt.type == "text/plain";
    if (!text_plain && mt.type != "application/vnd.3gpp.sms") return out;

    out.part.emplace();
    auto& contact = out.part->contact;
    contact = sms_contact(origin);
    auto& sms = *contact.sms;
    sms.protocol = "sip";
    sms.sip = sip_facts(message, content_type);
    sms.part_keys = {record::sip_message_key(sip::unfold(message.first(sip::HeaderId::call_id)))};
    const auto from = party_from(message.first(sip::HeaderId::from));
    auto to = party_from(message.request_uri);
    if (to.user.empty()) to = party_from(message.first(sip::HeaderId::to));
    sms.sender = uri_address(from);
    sms.recipients = {uri_address(to)};

    if (text_plain) {
        decode_text_plain(message, mt, out);
    } else if (!decode_3gpp(message, out)) {
        out.part.reset();
        return out;
    }
    // The parties are the SIP ones unless the TPDU names the real sender or recipient.
    contact.caller = sms.sender.address == from.user ? from : party_for_address(sms.sender.address);
    contact.callee = sms.recipients.front().address == to.user ? to : party_for_address(sms.recipients.front().address);
    return out;
}

}  // namespace scamgate::pipeline
