#pragma once
// Chooses the application protocol of a TCP connection from its first bytes: SMPP when they form
// a plausible SMPP header (or the connection is on a configured SMPP port), SIP over WebSocket when
// the client's HTTP GET asks for the Upgrade (or, picked up mid-stream, the bytes are a WebSocket
// frame carrying SIP), SIP otherwise (the SIP handler then probes for a start line itself). Until a
// direction's bytes decide, they are held (at most kMaxHeldBytes per direction) so the chosen
// handler still gets the whole stream.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "net/tcp_reassembly.h"

namespace scamgate::pipeline {

enum class StreamProtocol : std::uint8_t { sip, smpp, websocket };

class StreamProbe final : public net::StreamHandler {
public:
    // The protocol for a direction's first bytes, or nullopt to see more of them. With `final`
    // (the connection closed, or kMaxHeldBytes are held) it must decide.
    using Decide = std::function<std::optional<StreamProtocol>(ByteView first_bytes, bool final)>;
    using Make = std::function<std::unique_ptr<net::StreamHandler>(StreamProtocol)>;

    // The first bytes asked about: fewer are held without asking (an SMPP header is 16 bytes).
    static constexpr std::size_t kDecisionBytes = 16;
    // What one direction may hold while its bytes do not decide (an HTTP Upgrade head).
    static constexpr std::size_t kMaxHeldBytes = 8192;

    StreamProbe(Decide decide, Make make) : decide_(std::move(decide)), make_(std::move(make)) {}

    void on_data(net::Direction dir, ByteView bytes, const net::SegmentMeta& meta) override;
    void on_gap(net::Direction dir, std::size_t missing) override;
    void on_close() override;

private:
    struct Held {
        std::vector<std::uint8_t> bytes;
        net::SegmentMeta meta;
    };

    void hold(Held& held, ByteView bytes, const net::SegmentMeta& meta);
    void replay_held();

    Decide decide_;
    Make make_;
    std::unique_ptr<net::StreamHandler> chosen_;
    std::array<Held, 2> held_;
};

}  // namespace scamgate::pipeline
