#pragma once
// SMPP on TCP: one handler per connection frames both directions into PDUs, keeps the bind's
// account (system_id; the password is never read out of the PDU), turns message PDUs into SMS
// parts and pairs requests with their responses through the SmsTracker.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/anomaly.h"
#include "common/stats.h"
#include "net/tcp_reassembly.h"
#include "pipeline/origin.h"
#include "pipeline/sms_tracker.h"
#include "smpp/stream_framer.h"
#include "sms/text.h"

namespace scamgate::pipeline {

struct SmppSettings {
    std::vector<std::uint16_t> ports = {2775};  // where a stream is SMPP even if picked up mid-PDU
    smpp::FramerLimits framer;
    sms::Encoding default_alphabet = sms::Encoding::gsm7;     // data_coding 0
    std::map<std::string, sms::Encoding> account_alphabet;   // per system_id overrides
};

// Counters for SMPP and for SMS decoding problems (SMPP and SIP MESSAGE alike).
struct SmppCounters {
    std::uint64_t pdus = 0;
    std::uint64_t parse_errors = 0;
    std::uint64_t tcp_streams = 0;
    std::uint64_t binds = 0;
    std::uint64_t skipped_bytes = 0;
    std::map<std::string, std::uint64_t, std::less<>> by_command;
    AnomalyCounts<smpp::SmppAnomaly> anomalies;
    AnomalyCounts<sms::SmsAnomaly> sms_anomalies;

    void append_to(StatsReport& report) const;
};

// Where the handler reports anomalies for logging (the worker's rate-limited log).
class AnomalyLog {
public:
    virtual ~AnomalyLog() = default;
    virtual void log_anomaly(const AnomalyInfo& anomaly) = 0;
};

void count_sms_anomalies(const sms::SmsAnomalies& found, SmppCounters& counters, AnomalyLog& log);

// Sees each SMPP PDU as the stream handler reads it (the worker, which judges the SMS and tells
// an inline packet's enforcer). `bytes` is the PDU as framed: a view into the packet that carried
// it when it lies wholly in one in-order segment.
class SmppPduObserver {
public:
    virtual ~SmppPduObserver() = default;
    // A submit_sm, data_sm, submit_multi or deliver_sm carrying an SMS, before its part goes to
    // the SMS tracker (`part` may be judged here).
    virtual void on_message_pdu(const smpp::Pdu& pdu, ByteView bytes, const MessageOrigin& origin, SmsPart& part) = 0;
    // A response (or generic_nack) to a request.
    virtual void on_response_pdu(const smpp::Pdu& pdu, ByteView bytes, const MessageOrigin& origin) = 0;
    // A PDU with a plausible header that does not parse.
    virtual void on_unreadable_pdu(std::string_view anomaly, const MessageOrigin& origin) = 0;
};

class SmppStreamHandler final : public net::StreamHandler {
public:
    SmppStreamHandler(const SmppSettings& settings, SmppCounters& counters, SmsTracker& tracker, AnomalyLog& log,
                      const net::TcpConnectionInfo& info, const net::Encapsulation& encap,
                      SmppPduObserver* observer = nullptr);
    ~SmppStreamHandler() override;

    void on_data(net::Direction dir, ByteView bytes, const net::SegmentMeta& meta) override;
    void on_gap(net::Direction dir, std::size_t missing) override;
    void on_close() override;

private:
    struct Side;
    void on_pdu(net::Direction dir, ByteView bytes);
    void on_message_pdu(net::Direction dir, const smpp::Pdu& pdu, ByteView bytes);
    void on_response_pdu(net::Direction dir, const smpp::Pdu& pdu, ByteView bytes);
    MessageOrigin origin(net::Direction dir) const;
    sms::Encoding alphabet() const;

    const SmppSettings& settings_;
    SmppCounters& counters_;
    SmsTracker& tracker_;
    AnomalyLog& log_;
    SmppPduObserver* observer_ = nullptr;
    std::uint64_t connection_id_;
    net::FlowTuple originator_tuple_;
    net::Encapsulation encap_;
    std::array<std::unique_ptr<Side>, 2> sides_;
    std::string account_;  // system_id of the ESME's bind
    bool closed_ = false;
};

// True when `bytes` start with a plausible SMPP header; nullopt when fewer than 16 bytes came.
std::optional<bool> looks_like_smpp(ByteView bytes, const smpp::FramerLimits& limits);

}  // namespace scamgate::pipeline
