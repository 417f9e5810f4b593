#include "pipeline/smpp_flow.h"

#include <variant>

#include "pipeline/sms_build.h"

namespace scamgate::pipeline {

void SmppCounters::append_to(StatsReport& report) const {
    report.add("smpp.pdus", pdus);
    report.add("smpp.parse_errors", parse_errors);
    report.add("smpp.tcp_streams", tcp_streams);
    report.add("smpp.binds", binds);
    report.add("smpp.skipped_bytes", skipped_bytes);
    for (const auto& [name, count] : by_command) report.add("smpp.command." + name, count);
    anomalies.append_to(report);
    sms_anomalies.append_to(report);
}

void count_sms_anomalies(const sms::SmsAnomalies& found, SmppCounters& counters, AnomalyLog& log) {
    for (std::size_t i = 0; i < found.size(); ++i) {
        if (!found.test(i)) continue;
        const auto anomaly = static_cast<sms::SmsAnomaly>(i);
        counters.sms_anomalies.add(anomaly);
        log.log_anomaly(describe(anomaly));
    }
}

std::optional<bool> looks_like_smpp(ByteView bytes, const smpp::FramerLimits& limits) {
    auto header = smpp::read_header(bytes);
    if (!header) return std::nullopt;
    return smpp::plausible_header(*header, limits.max_pdu_size);
}

struct SmppStreamHandler::Side final : smpp::PduSink {
    Side(SmppStreamHandler& owner, net::Direction dir, const smpp::FramerLimits& limits)
        : framer(limits), owner_(owner), dir_(dir) {}

    void on_pdu(ByteView pdu) override { owner_.on_pdu(dir_, pdu); }
    void on_framing_anomaly(smpp::SmppAnomaly anomaly) override {
        owner_.counters_.anomalies.add(anomaly);
        if (anomaly == smpp::SmppAnomaly::command_length_invalid) ++owner_.counters_.parse_errors;
        owner_.log_.log_anomaly(describe(anomaly));
    }

    smpp::PduFramer framer;
    net::SegmentMeta meta;
    std::uint64_t skipped_reported = 0;

private:
    SmppStreamHandler& owner_;
    net::Direction dir_;
};

SmppStreamHandler::SmppStreamHandler(const SmppSettings& settings, SmppCounters& counters, SmsTracker& tracker,
                                     AnomalyLog& log, const net::TcpConnectionInfo& info,
                                     const net::Encapsulation& encap, SmppPduObserver* observer)
    : settings_(settings),
      counters_(counters),
      tracker_(tracker),
      log_(log),
      observer_(observer),
      connection_id_(info.id),
      originator_tuple_(info.originator_tuple),
      encap_(encap) {
    sides_[0] = std::make_unique<Side>(*this, net::Direction::from_originator, settings.framer);
    sides_[1] = std::make_unique<Side>(*this, net::Direction::from_responder, settings.framer);
    ++counters_.tcp_streams;
}

SmppStreamHandler::~SmppStreamHandler() = default;

void SmppStreamHandler::on_data(net::Direction dir, ByteView bytes, const net::SegmentMeta& meta) {
    auto& side = *sides_[dir == net::Direction::from_originator ? 0 : 1];
    side.meta = meta;
    side.framer.feed(bytes, side);
    counters_.skipped_bytes += side.framer.skipped_bytes() - side.skipped_reported;
    side.skipped_reported = side.framer.skipped_bytes();
}

void SmppStreamHandler::on_gap(net::Direction dir, std::size_t /*missing*/) {
    sides_[dir == net::Direction::from_originator ? 0 : 1]->framer.on_gap();
}

void SmppStreamHandler::on_close() {
    if (closed_) return;
    closed_ = true;
    tracker_.end_connection(connection_id_);
}

MessageOrigin SmppStreamHandler::origin(net::Direction dir) const {
    const auto& side = *sides_[dir == net::Direction::from_originator ? 0 : 1];
    const auto tuple = dir == net::Direction::from_originator ? originator_tuple_ : originator_tuple_.reversed();
    return MessageOrigin{side.meta.ts, tuple, encap_, side.meta.packet_number};
}

sms::Encoding SmppStreamHandler::alphabet() const {
    auto it = settings_.account_alphabet.find(account_);
    return it == settings_.account_alphabet.end() ? settings_.default_alphabet : it->second;
}

void SmppStreamHandler::on_pdu(net::Direction dir, ByteView bytes) {
    ++counters_.pdus;
    smpp::Pdu pdu;
    const auto outcome = smpp::parse_pdu(bytes, pdu);
    ++counters_.by_command[std::string(smpp::command_name(pdu.header.id))];
    if (!outcome.ok) {
        ++counters_.parse_errors;
        counters_.anomalies.add(*outcome.anomaly);
        log_.log_anomaly(describe(*outcome.anomaly));
        if (observer_ != nullptr) observer_->on_unreadable_pdu(describe(*outcome.anomaly).name, origin(dir));
        return;
    }
    if (const auto* bind = std::get_if<smpp::Bind>(&pdu.body)) {
        ++counters_.binds;
        account_ = std::string(bind->system_id);
    } else if (std::holds_alternative<smpp::ShortMessage>(pdu.body)) {
        on_message_pdu(dir, pdu, bytes);
    } else if (std::holds_alternative<smpp::MessageResponse>(pdu.body) || pdu.header.id == smpp::command::generic_nack) {
        on_response_pdu(dir, pdu, bytes);
    }
}

void SmppStreamHandler::on_message_pdu(net::Direction dir, const smpp::Pdu& pdu, ByteView bytes) {
    const auto& message = std::get<smpp::ShortMessage>(pdu.body);
    const MessageOrigin from = origin(dir);
    auto built = sms_from_smpp(pdu.header, message, account_, alphabet(), from);
    count_sms_anomalies(built.anomalies, counters_, log_);
    if (!built.part) return;
    if (observer_ != nullptr) observer_->on_message_pdu(pdu, bytes, from, *built.part);
    tracker_.on_request(PendingKey{connection_id_, dir, pdu.header.sequence}, std::move(*built.part));
}

// A response travels the other way from its request.
void SmppStreamHandler::on_response_pdu(net::Direction dir, const smpp::Pdu& pdu, ByteView bytes) {
    if (observer_ != nullptr) observer_->on_response_pdu(pdu, bytes, origin(dir));
    const auto request_dir =
        dir == net::Direction::from_originator ? net::Direction::from_responder : net::Direction::from_originator;
    std::string_view message_id;
    if (const auto* resp = std::get_if<smpp::MessageResponse>(&pdu.body)) message_id = resp->message_id;
    tracker_.on_response(PendingKey{connection_id_, request_dir, pdu.header.sequence}, pdu.header.status, message_id);
}

}  // namespace scamgate::pipeline
