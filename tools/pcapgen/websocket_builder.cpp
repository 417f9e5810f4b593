#include "pcapgen/websocket_builder.h"

namespace scamgate::pcapgen {

std::string websocket_frame(std::string_view payload, const WsFrameSpec& spec) {
    std::string out;
    out.push_back(static_cast<char>((spec.fin ? 0x80 : 0) | ((spec.rsv & 0x7) << 4) | (spec.opcode & 0x0f)));
    const std::uint8_t mask_bit = spec.mask ? 0x80 : 0;
    const std::uint64_t n = payload.size();
    WsLength length = spec.length;
    if (length == WsLength::shortest) length = n < 126 ? WsLength::shortest : n <= 0xffff ? WsLength::bits16 : WsLength::bits64;
    if (length == WsLength::shortest) {
        out.push_back(static_cast<char>(mask_bit | n));
    } else if (length == WsLength::bits16) {
        out.push_back(static_cast<char>(mask_bit | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xff));
    } else {
        out.push_back(static_cast<char>(mask_bit | 127));
        for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
    }
    if (spec.mask) out.append(reinterpret_cast<const char*>(spec.mask->data()), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) {
        const auto key = spec.mask ? (*spec.mask)[i % 4] : std::uint8_t{0};
        out.push_back(static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ key));
    }
    return out;
}

std::vector<std::string> websocket_fragments(std::string_view message, std::size_t parts, std::uint8_t opcode,
                                             const std::optional<std::array<std::uint8_t, 4>>& mask) {
    std::vector<std::string> frames;
    const std::size_t step = (message.size() + parts - 1) / parts;
    for (std::size_t at = 0; at < message.size(); at += step) {
        const bool last = at + step >= message.size();
        frames.push_back(websocket_frame(message.substr(at, step),
                                         {.fin = last, .opcode = frames.empty() ? opcode : std::uint8_t{0}, .mask = mask}));
    }
    return frames;
}

std::string websocket_upgrade_request(std::string_view host, std::string_view path, std::string_view protocol,
                                      bool offer_deflate) {
    std::string out = "GET " + std::string(path) + " HTTP/1.1\r\n";
    out += "Host: " + std::string(host) + "\r\n";
    out += "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    out += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    out += "Origin: http://" + std::string(host) + "\r\n";
    out += "Sec-WebSocket-Protocol: " + std::string(protocol) + "\r\n";
    out += "Sec-WebSocket-Version: 13\r\n";
    if (offer_deflate) out += "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
    return out + "\r\n";
}

std::string websocket_upgrade_response(std::string_view protocol, bool deflate) {
    std::string out = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    out += "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";  // RFC 6455 1.3's example key
    if (!protocol.empty()) out += "Sec-WebSocket-Protocol: " + std::string(protocol) + "\r\n";
    if (deflate) out += "Sec-WebSocket-Extensions: permessage-deflate\r\n";
    return out + "\r\n";
}

}  // namespace scamgate::pcapgen
