#pragma once
// Decoding one SMS carrier into an SmsPart: an SMPP submit_sm / deliver_sm / data_sm /
// submit_multi, or a SIP MESSAGE (text/plain or application/vnd.3gpp.sms). The text is decoded
// here (UDH stripped, data coding applied) so the record holds UTF-8 whatever came on the wire.
#include <optional>
#include <string_view>

#include "pipeline/origin.h"
#include "pipeline/sms_tracker.h"
#include "sip/message.h"
#include "smpp/pdu.h"
#include "sms/text.h"

namespace scamgate::pipeline {

struct SmsBuild {
    std::optional<SmsPart> part;  // nullopt: not an SMS (e.g. a SIP MESSAGE with another body)
    sms::SmsAnomalies anomalies;
};

// `account` is the bind's system_id; `default_alphabet` what data_coding 0 means for it.
SmsBuild sms_from_smpp(const smpp::Header& header, const smpp::ShortMessage& message, std::string_view account,
                       sms::Encoding default_alphabet, const MessageOrigin& origin);

// A MESSAGE request. Bodies other than text/plain and application/vnd.3gpp.sms give no part.
SmsBuild sms_from_sip_message(const sip::Message& message, const MessageOrigin& origin);

// The fields of an SMPP 3.4 appendix B delivery receipt text ("id:... stat:DELIVRD err:000 ...").
std::optional<record::DeliveryReceipt> parse_receipt_text(std::string_view text);

}  // namespace scamgate::pipeline
