// Parses the input as a datagram and as a stream message, then runs every value parser over the
// header values of whatever parsed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/message.h"

namespace {

using namespace scamgate::sip;

void parse_values(const Message& m) {
    for (const auto& h : m.headers) {
        (void)header_id(h.name);
        // The copy-free unfold gives what the copying one gives.
        std::string scratch;
        if (unfold(h.value, scratch) != unfold(h.value)) __builtin_trap();
        for (auto part : split_values(h.value)) {
            if (auto addr = parse_name_addr(part)) {
                (void)addr->tag();
                if (addr->uri) (void)addr->uri->user_is_phone();
            }
            if (auto via = parse_via(part)) (void)via->param("branch");
            (void)parse_uri(part);
        }
        (void)parse_cseq(h.value);
    }
    (void)parse_uri(m.request_uri);
    if (auto sdp = parse_sdp(m.body)) (void)sdp->media.size();
    for (int id = 0; id < static_cast<int>(HeaderId::count_); ++id) {
        (void)m.values(static_cast<HeaderId>(id));
    }
}

void check_result(const ParseResult& r, std::size_t size) {
    if (r.status == ParseStatus::ok && r.consumed > size) __builtin_trap();
    if (r.status != ParseStatus::ok && r.consumed != 0) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A copy of exactly `size` bytes, so ASan sees any read past the end.
    const std::string input(reinterpret_cast<const char*>(data), size);
    const std::string_view text(input);
    ParserLimits limits;
    limits.max_message_size = 4096;
    limits.max_headers = 64;
    Message m;
    for (auto framing : {Framing::datagram, Framing::stream}) {
        const auto r = parse_message(text, framing, m, limits);
        check_result(r, size);
        if (r.status == ParseStatus::ok) parse_values(m);
    }
    (void)starts_with_start_line(text);
    (void)find_start_line(text, 64);
    (void)find_start_line_at_line_start(text, text.size());
    (void)may_be_start_line_prefix(text);
    (void)parse_sdp(text);
    (void)parse_name_addr(text);
    (void)parse_via(text);
    return 0;
}
