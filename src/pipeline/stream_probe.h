#pragma once
// Chooses the application protocol of a TCP connection from its first bytes: SMPP when they form
// a plausible SMPP header (or the connection is on a configured SMPP port), SIP otherwise (the SIP
// handler then probes for a start line itself). Until 16 bytes have arrived in one direction, the
// few bytes seen are held so the chosen handler still gets the whole stream.
#include <array>
#include <functional>
#include <memory>
#include <vector>

#include "net/tcp_reassembly.h"

namespace scamgate::pipeline {

enum class StreamProtocol : std::uint8_t { sip, smpp };

class StreamProbe final : public net::StreamHandler {
public:
    using Decide = std::function<StreamProtocol(ByteView first_bytes)>;
    using Make = std::function<std::unique_ptr<net::StreamHandler>(StreamProtocol)>;

    StreamProbe(Decide decide, Make make) : decide_(std::move(decide)), make_(std::move(make)) {}

    void on_data(net::Direction dir, ByteView bytes, const net::SegmentMeta& meta) override;
    void on_gap(net::Direction dir, std::size_t missing) override;
    void on_close() override;

private:
    static constexpr std::size_t kDecisionBytes = 16;
    struct Held {
        std::vector<std::uint8_t> bytes;
        net::SegmentMeta meta;
    };

    void choose(ByteView first_bytes);
    void replay_held();

    Decide decide_;
    Make make_;
    std::unique_ptr<net::StreamHandler> chosen_;
    std::array<Held, 2> held_;
};

}  // namespace scamgate::pipeline
