#include "smpp/pdu.h"

#include <algorithm>
#include <array>
#include <utility>

namespace scamgate::smpp {

namespace {

struct CommandName {
    std::uint32_t id;
    std::string_view name;
};

constexpr std::array kCommands = {
    CommandName{command::generic_nack, "generic_nack"},
    CommandName{command::bind_receiver, "bind_receiver"},
    CommandName{command::bind_receiver | command::response_bit, "bind_receiver_resp"},
    CommandName{command::bind_transmitter, "bind_transmitter"},
    CommandName{command::bind_transmitter | command::response_bit, "bind_transmitter_resp"},
    CommandName{command::query_sm, "query_sm"},
    CommandName{command::query_sm | command::response_bit, "query_sm_resp"},
    CommandName{command::submit_sm, "submit_sm"},
    CommandName{command::submit_sm | command::response_bit, "submit_sm_resp"},
    CommandName{command::deliver_sm, "deliver_sm"},
    CommandName{command::deliver_sm | command::response_bit, "deliver_sm_resp"},
    CommandName{command::unbind, "unbind"},
    CommandName{command::unbind | command::response_bit, "unbind_resp"},
    CommandName{command::replace_sm, "replace_sm"},
    CommandName{command::replace_sm | command::response_bit, "replace_sm_resp"},
    CommandName{command::cancel_sm, "cancel_sm"},
    CommandName{command::cancel_sm | command::response_bit, "cancel_sm_resp"},
    CommandName{command::bind_transceiver, "bind_transceiver"},
    CommandName{command::bind_transceiver | command::response_bit, "bind_transceiver_resp"},
    CommandName{command::outbind, "outbind"},
    CommandName{command::enquire_link, "enquire_link"},
    CommandName{command::enquire_link | command::response_bit, "enquire_link_resp"},
    CommandName{command::submit_multi, "submit_multi"},
    CommandName{command::submit_multi | command::response_bit, "submit_multi_resp"},
    CommandName{command::alert_notification, "alert_notification"},
    CommandName{command::data_sm, "data_sm"},
    CommandName{command::data_sm | command::response_bit, "data_sm_resp"},
    CommandName{command::broadcast_sm, "broadcast_sm"},
    CommandName{command::broadcast_sm | command::response_bit, "broadcast_sm_resp"},
    CommandName{command::query_broadcast_sm, "query_broadcast_sm"},
    CommandName{command::query_broadcast_sm | command::response_bit, "query_broadcast_sm_resp"},
    CommandName{command::cancel_broadcast_sm, "cancel_broadcast_sm"},
    CommandName{command::cancel_broadcast_sm | command::response_bit, "cancel_broadcast_sm_resp"},
};

// The longest C-octet string SMPP 3.4/5.0 defines (message_id, data_sm addresses), NUL included.
// Every string field is bounded by it rather than by its own smaller spec size: ESMEs in the field
// overrun the small ones (system_id, addresses), and a passive monitor must still read them.
constexpr std::size_t kMaxCString = 65;

class BodyReader {
public:
    explicit BodyReader(ByteView body) : reader_(body) {}

    std::optional<SmppAnomaly> error() const { return error_; }
    bool at_end() const { return reader_.remaining() == 0; }
    std::size_t remaining() const { return reader_.remaining(); }

    std::uint8_t u8() {
        if (error_) return 0;
        auto v = reader_.u8();
        if (!v) fail(SmppAnomaly::body_truncated);
        return v.value_or(0);
    }

    std::string_view cstring() {
        if (error_) return {};
        const auto rest = reader_.rest();
        const auto window = rest.first(std::min(rest.size(), kMaxCString));
        const auto nul = std::find(window.begin(), window.end(), std::uint8_t{0});
        if (nul == window.end()) {
            fail(rest.size() < kMaxCString ? SmppAnomaly::body_truncated : SmppAnomaly::cstring_unterminated);
            return {};
        }
        const auto length = static_cast<std::size_t>(nul - window.begin());
        reader_.skip(length + 1);
        return as_text(window.first(length));
    }

    void skip_cstring() { (void)cstring(); }

    Address address() {
        Address a;
        a.ton = u8();
        a.npi = u8();
        a.value = cstring();
        return a;
    }

    ByteView sized_bytes(std::size_t n, SmppAnomaly if_short) {
        if (error_) return {};
        auto v = reader_.take(n);
        if (!v) fail(if_short);
        return v.value_or(ByteView{});
    }

    std::vector<Tlv> tlvs() {
        std::vector<Tlv> out;
        while (!error_ && reader_.remaining() > 0) {
            auto tag = reader_.be16();
            auto length = reader_.be16();
            if (!tag || !length) {
                fail(SmppAnomaly::tlv_past_body);
                break;
            }
            auto value = reader_.take(*length);
            if (!value) {
                fail(SmppAnomaly::tlv_past_body);
                break;
            }
            out.push_back({*tag, *value});
        }
        return out;
    }

private:
    void fail(SmppAnomaly anomaly) {
        if (!error_) error_ = anomaly;
    }

    ByteReader reader_;
    std::optional<SmppAnomaly> error_;
};

Bind parse_bind(BodyReader& r) {
    Bind b;
    b.system_id = r.cstring();
    r.skip_cstring();  // password: never kept
    b.system_type = r.cstring();
    b.interface_version = r.u8();
    b.address_range = r.address();
    return b;
}

BindResponse parse_bind_response(BodyReader& r) {
    BindResponse b;
    // An error response may carry no body at all.
    if (!r.at_end()) b.system_id = r.cstring();
    if (!r.at_end()) (void)r.tlvs();  // sc_interface_version
    return b;
}

void read_short_message_tail(BodyReader& r, ShortMessage& m) {
    m.esm_class = r.u8();
    m.protocol_id = r.u8();
    m.priority = r.u8();
    m.schedule_delivery_time = r.cstring();
    m.validity_period = r.cstring();
    m.registered_delivery = r.u8();
    m.replace_if_present = r.u8();
    m.data_coding = r.u8();
    m.sm_default_msg_id = r.u8();
    const auto sm_length = r.u8();
    m.short_message = r.sized_bytes(sm_length, SmppAnomaly::sm_length_past_body);
    m.tlvs = r.tlvs();
}

ShortMessage parse_submit_or_deliver(BodyReader& r) {
    ShortMessage m;
    m.service_type = r.cstring();
    m.source = r.address();
    m.destinations.push_back(r.address());
    read_short_message_tail(r, m);
    return m;
}

ShortMessage parse_data_sm(BodyReader& r) {
    ShortMessage m;
    m.service_type = r.cstring();
    m.source = r.address();
    m.destinations.push_back(r.address());
    m.esm_class = r.u8();
    m.registered_delivery = r.u8();
    m.data_coding = r.u8();
    m.tlvs = r.tlvs();
    return m;
}

ShortMessage parse_submit_multi(BodyReader& r, std::optional<SmppAnomaly>& bad_count) {
    ShortMessage m;
    m.service_type = r.cstring();
    m.source = r.address();
    const auto count = r.u8();
    if (count == 0 && !r.error()) bad_count = SmppAnomaly::dest_count_invalid;
    for (unsigned i = 0; i < count && !r.error(); ++i) {
        const auto flag = r.u8();
        if (flag == 1) {
            m.destinations.push_back(r.address());
        } else if (flag == 2) {
            m.distribution_lists.push_back(r.cstring());
        } else {
            bad_count = SmppAnomaly::dest_count_invalid;
            return m;
        }
    }
    read_short_message_tail(r, m);
    return m;
}

MessageResponse parse_message_response(BodyReader& r, bool multi) {
    MessageResponse resp;
    if (r.at_end()) return resp;  // error responses may omit the body
    resp.message_id = r.cstring();
    if (multi && !r.at_end()) resp.unsuccessful = r.u8();
    return resp;
}

using Body = decltype(Pdu::body);

Body parse_body(std::uint32_t id, BodyReader& r, std::optional<SmppAnomaly>& extra) {
    switch (id) {
        case command::bind_receiver:
        case command::bind_transmitter:
        case command::bind_transceiver: return parse_bind(r);
        case command::bind_receiver | command::response_bit:
        case command::bind_transmitter | command::response_bit:
        case command::bind_transceiver | command::response_bit: return parse_bind_response(r);
        case command::submit_sm:
        case command::deliver_sm: return parse_submit_or_deliver(r);
        case command::data_sm: return parse_data_sm(r);
        case command::submit_multi: return parse_submit_multi(r, extra);
        case command::submit_sm | command::response_bit:
        case command::deliver_sm | command::response_bit:
        case command::data_sm | command::response_bit: return parse_message_response(r, false);
        case command::submit_multi | command::response_bit: return parse_message_response(r, true);
        default: return std::monostate{};
    }
}

}  // namespace

std::string_view command_name(std::uint32_t command_id) {
    for (const auto& c : kCommands) {
        if (c.id == command_id) return c.name;
    }
    return "unknown";
}

bool is_known_command(std::uint32_t command_id) { return command_name(command_id) != "unknown"; }

std::optional<Header> read_header(ByteView bytes) {
    if (bytes.size() < kHeaderSize) return std::nullopt;
    const auto* p = bytes.data();
    return Header{load_be32(p), load_be32(p + 4), load_be32(p + 8), load_be32(p + 12)};
}

std::optional<ByteView> ShortMessage::tlv(std::uint16_t tag) const {
    for (const auto& t : tlvs) {
        if (t.tag == tag) return t.value;
    }
    return std::nullopt;
}

std::optional<std::uint16_t> ShortMessage::tlv_u16(std::uint16_t tag) const {
    auto v = tlv(tag);
    if (!v) return std::nullopt;
    if (v->size() == 1) return (*v)[0];
    if (v->size() == 2) return load_be16(v->data());
    return std::nullopt;
}

ByteView ShortMessage::payload() const {
    if (auto p = tlv(tlv_tag::message_payload)) return *p;
    return short_message;
}

AnomalyInfo describe(SmppAnomaly anomaly) {
    switch (anomaly) {
        case SmppAnomaly::command_length_invalid:
            return {"smpp.command_length_invalid", "SMPP command_length below 16 or above the PDU size bound"};
        case SmppAnomaly::unknown_command: return {"smpp.unknown_command", "SMPP command_id not defined by SMPP 3.4/5.0"};
        case SmppAnomaly::body_truncated: return {"smpp.body_truncated", "SMPP mandatory field runs past command_length"};
        case SmppAnomaly::cstring_unterminated:
            return {"smpp.cstring_unterminated", "SMPP C-octet string without NUL within 65 octets"};
        case SmppAnomaly::sm_length_past_body: return {"smpp.sm_length_past_body", "SMPP sm_length beyond the PDU"};
        case SmppAnomaly::tlv_past_body: return {"smpp.tlv_past_body", "SMPP TLV length beyond the PDU"};
        case SmppAnomaly::dest_count_invalid:
            return {"smpp.dest_count_invalid", "SMPP submit_multi with no destinations or a bad dest_flag"};
        case SmppAnomaly::bytes_skipped:
            return {"smpp.bytes_skipped", "SMPP stream bytes skipped while looking for the next PDU header"};
        case SmppAnomaly::count_: break;
    }
    return {"smpp.unknown", "unknown SMPP anomaly"};
}

ParseOutcome parse_pdu(ByteView bytes, Pdu& out) {
    out = Pdu{};
    auto header = read_header(bytes);
    if (!header || header->length != bytes.size()) return {false, SmppAnomaly::command_length_invalid};
    out.header = *header;
    if (!is_known_command(header->id)) return {false, SmppAnomaly::unknown_command};
    BodyReader reader(bytes.subspan(kHeaderSize));
    std::optional<SmppAnomaly> extra;
    out.body = parse_body(header->id, reader, extra);
    if (auto e = reader.error()) return {false, e};
    if (extra) return {false, extra};
    return {true, std::nullopt};
}

}  // namespace scamgate::smpp
