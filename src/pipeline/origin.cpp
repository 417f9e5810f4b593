#include "pipeline/origin.h"

#include "sip/message.h"

namespace scamgate::pipeline {

record::Party party_from(std::string_view header_value) {
    record::Party party;
    assign_party(party, header_value);
    return party;
}

void assign_party(record::Party& party, std::string_view header_value) {
    auto parsed = sip::parse_name_addr(header_value);
    party.user.clear();
    party.host.clear();
    party.user_is_phone = false;
    if (!parsed) {
        party.display.clear();
        party.uri = sip::unfold(header_value);
        party.tag.clear();
        return;
    }
    party.display.assign(parsed->display);
    party.uri.assign(parsed->uri_text);
    party.tag.assign(parsed->tag());
    if (parsed->uri) {
        party.user.assign(parsed->uri->user);
        party.host.assign(parsed->uri->host);
        party.user_is_phone = parsed->uri->user_is_phone();
    }
}

record::Ingress ingress_from(const MessageOrigin& origin) {
    record::Ingress ingress;
    ingress.src = origin.tuple.src;
    ingress.dst = origin.tuple.dst;
    ingress.src_port = origin.tuple.src_port;
    ingress.dst_port = origin.tuple.dst_port;
    ingress.transport = origin.carrier == Carrier::websocket ? "ws" : net::transport_name(origin.tuple.proto);
    ingress.vlans.assign(origin.encap.vlan_ids.begin(), origin.encap.vlan_ids.begin() + origin.encap.vlan_count);
    ingress.tunnel = origin.encap.tunnel;
    ingress.tunnel_src = origin.encap.tunnel_src;
    ingress.tunnel_dst = origin.encap.tunnel_dst;
    ingress.tunnel_id = origin.encap.tunnel_id;
    return ingress;
}

}  // namespace scamgate::pipeline
