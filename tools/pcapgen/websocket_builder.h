#pragma once
// WebSocket frames (RFC 6455) and the HTTP Upgrade of SIP over WebSocket (RFC 7118), for the
// generated captures, the unit tests and the fuzz seeds.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scamgate::pcapgen {

enum class WsLength : std::uint8_t { shortest, bits16, bits64 };

struct WsFrameSpec {
    bool fin = true;
    std::uint8_t opcode = 0x1;  // text
    std::uint8_t rsv = 0;       // RSV1 = 4
    std::optional<std::array<std::uint8_t, 4>> mask{};  // client frames are masked
    WsLength length = WsLength::shortest;                // wider length encodings than needed
};

// One frame carrying `payload` (masked on the wire when spec.mask is set).
std::string websocket_frame(std::string_view payload, const WsFrameSpec& spec = {});

// `message` split into `parts` frames: the first with `opcode`, the rest continuations, FIN on
// the last; each masked with `mask` when given.
std::vector<std::string> websocket_fragments(std::string_view message, std::size_t parts, std::uint8_t opcode,
                                             const std::optional<std::array<std::uint8_t, 4>>& mask);

// The client's GET asking for SIP over WebSocket, and the server's 101.
std::string websocket_upgrade_request(std::string_view host, std::string_view path = "/",
                                      std::string_view protocol = "sip", bool offer_deflate = false);
std::string websocket_upgrade_response(std::string_view protocol = "sip", bool deflate = false);

}  // namespace scamgate::pcapgen
