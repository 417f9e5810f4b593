// The parts of SDP (RFC 4566) the pipeline needs: addresses from o= and c=, and the m= lines.
#include <algorithm>
#include "sip/message.h"
#include "sip/text.h"

namespace scamgate::sip {
namespace {

// The n-th (0-based) space-separated field of an SDP line value, or empty.
std::string_view field(std::string_view value, std::size_t index) {
    std::size_t pos = 0;
    for (std::size_t i = 0;; ++i) {
        while (pos < value.size() && value[pos] == ' ') ++pos;
        if (pos >= value.size()) return {};
        const std::size_t end = std::min(value.find(' ', pos), value.size());
        if (i == index) return value.substr(pos, end - pos);
        pos = end;
    }
}

// "IN IP4 224.2.0.1/127" -> "224.2.0.1" (the TTL / address count is not part of the address).
std::string_view connection_address(std::string_view value) {
    const auto address = field(value, 2);
    return address.substr(0, address.find('/'));
}

std::optional<SdpMedia> parse_media(std::string_view value) {
    SdpMedia media;
    media.type = field(value, 0);
    const auto port_text = field(value, 1);
    media.protocol = field(value, 2);
    if (media.type.empty() || port_text.empty() || media.protocol.empty()) return std::nullopt;
    const auto port = text::parse_decimal(port_text.substr(0, port_text.find('/')), 65535);
    if (!port) return std::nullopt;
    media.port = static_cast<std::uint16_t>(*port);
    const auto protocol_end = static_cast<std::size_t>(media.protocol.data() - value.data()) + media.protocol.size();
    media.formats = text::trim(value.substr(protocol_end));
    return media;
}

}  // namespace

std::optional<Sdp> parse_sdp(std::string_view body) {
    Sdp sdp;
    bool recognised = false;
    std::size_t pos = 0;
    while (pos < body.size()) {
        const std::size_t lf = std::min(body.find('\n', pos), body.size());
        auto line = body.substr(pos, lf - pos);
        pos = lf + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() < 2 || line[1] != '=') continue;  // junk lines are tolerated
        const auto value = line.substr(2);
        switch (line[0]) {
            case 'v':
                recognised = true;
                break;
            case 'o':
                sdp.origin_address = field(value, 5);
                recognised = true;
                break;
            case 'c': {
                auto& target = sdp.media.empty() ? sdp.session_connection : sdp.media.back().connection;
                target = connection_address(value);
                recognised = true;
                break;
            }
            case 'm':
                if (auto media = parse_media(value)) sdp.media.push_back(*media);
                recognised = true;
                break;
            default:
                break;
        }
    }
    if (!recognised) return std::nullopt;
    return sdp;
}

}  // namespace scamgate::sip
