#pragma once
// Data coding: the TP-DCS octet of 3GPP TS 23.038 section 4, and SMPP's data_coding (SMPP 3.4
// section 5.2.19), which reuses the TS 23.038 groups from 0xC0 upward.
#include <cstdint>
#include <optional>

#include "sms/text.h"

namespace scamgate::sms {

struct DataCoding {
    Encoding encoding = Encoding::gsm7;
    std::optional<std::uint8_t> message_class;  // 0..3 when the DCS gives one
    bool compressed = false;                    // TS 23.038 compression: text is not decoded
};

DataCoding interpret_tp_dcs(std::uint8_t dcs);

// SMPP data_coding: 0 -> `default_alphabet` (SMSC default; gsm7 unless an account says latin1 or
// ascii), 1 ascii, 2 and 4 binary, 3 latin1, 5 JIS, 6 Cyrillic, 7 Hebrew, 8 ucs2, 9 Shift-JIS,
// 0x0A ISO-2022-JP, 0x0D extended Kanji, 0x0E KS C 5601 (unknown: kept as hex), 0xC0-0xFF per the
// TS 23.038 groups.
DataCoding interpret_smpp_data_coding(std::uint8_t data_coding, Encoding default_alphabet);

}  // namespace scamgate::sms
