// TP-DCS (3GPP TS 23.038 section 4) and SMPP data_coding (SMPP 3.4 section 5.2.19).
#include "sms/dcs.h"

namespace scamgate::sms {
namespace {

// Bits 3..2 of the general data coding groups. "Reserved" is read as the default alphabet, as TS
// 23.038 section 4 tells a receiving entity to do with any reserved coding.
Encoding general_alphabet(std::uint8_t dcs) {
    switch ((dcs >> 2) & 0x03) {
        case 1: return Encoding::binary;
        case 2: return Encoding::ucs2;
        default: return Encoding::gsm7;
    }
}

// Groups 00xx and 01xx (the latter marks the message for automatic deletion): bit 5 compressed,
// bit 4 says bits 1..0 are a message class.
DataCoding general_group(std::uint8_t dcs) {
    DataCoding coding;
    coding.encoding = general_alphabet(dcs);
    coding.compressed = (dcs & 0x20) != 0;
    if ((dcs & 0x10) != 0) coding.message_class = static_cast<std::uint8_t>(dcs & 0x03);
    return coding;
}

// Group 1111: bit 2 chooses 8-bit data over the default alphabet; bits 1..0 are the class.
DataCoding class_group(std::uint8_t dcs) {
    DataCoding coding;
    coding.encoding = (dcs & 0x04) != 0 ? Encoding::binary : Encoding::gsm7;
    coding.message_class = static_cast<std::uint8_t>(dcs & 0x03);
    return coding;
}

}  // namespace

DataCoding interpret_tp_dcs(std::uint8_t dcs) {
    switch (dcs >> 4) {
        case 0x0: case 0x1: case 0x2: case 0x3:
        case 0x4: case 0x5: case 0x6: case 0x7:
            return general_group(dcs);
        case 0xE:  // message waiting indication, store message, UCS-2
            return DataCoding{Encoding::ucs2, std::nullopt, false};
        case 0xF:
            return class_group(dcs);
        default:  // 1000..1011 reserved, 1100 and 1101 message waiting with the default alphabet
            return DataCoding{};
    }
}

DataCoding interpret_smpp_data_coding(std::uint8_t data_coding, Encoding default_alphabet) {
    if (data_coding >= 0xC0) return interpret_tp_dcs(data_coding);
    switch (data_coding) {
        case 0x00: return DataCoding{default_alphabet, std::nullopt, false};
        case 0x01: return DataCoding{Encoding::ascii, std::nullopt, false};
        case 0x02:
        case 0x04: return DataCoding{Encoding::binary, std::nullopt, false};
        case 0x03: return DataCoding{Encoding::latin1, std::nullopt, false};
        case 0x08: return DataCoding{Encoding::ucs2, std::nullopt, false};
        default:  // JIS, Cyrillic, Hebrew, Shift-JIS, ISO-2022-JP, Kanji, KS C 5601, reserved
            return DataCoding{Encoding::unknown, std::nullopt, false};
    }
}

}  // namespace scamgate::sms
