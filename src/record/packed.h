#pragma once
// A call record's parts that are fixed at its INVITE (details as presented, ingress, verdict) kept
// in one heap buffer per call while the call is pending, instead of a std::string per field: the
// same record costs about 300 bytes here against about 2 KB as CallDetails + Ingress + Verdict
// (fixed parts and heap strings). Strings are length-prefixed bytes; a string already written (the
// P-Asserted-Identity URI that repeats From's, the bottom Via that is the top one) or lying inside
// the URI it was parsed from (a party's user and host) is written as a reference to those bytes.
// The record is rebuilt, field for field, when the call ends (tests/unit/record/test_packed.cpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "record/contact.h"
#include "record/verdict.h"

namespace scamgate::record {

class PackedCall {
public:
    PackedCall() = default;
    PackedCall(const CallDetails& details, const Ingress& ingress, const Verdict* verdict);
    // The same, writing through `scratch` (its storage serves the next call too).
    PackedCall(const CallDetails& details, const Ingress& ingress, const Verdict* verdict, std::string& scratch);

    // The Call-ID (details.call_id), a view into the buffer: a table's key.
    std::string_view call_id() const { return {bytes_.get() + call_id_at_, call_id_size_}; }
    CallDetails details() const;
    Ingress ingress() const;
    // The verdict packed with the call, if one was.
    std::optional<Verdict> verdict() const;
    // The same into existing records, reusing their strings' storage (every field is assigned).
    void details_into(CallDetails& details) const;
    void ingress_into(Ingress& ingress) const;
    void verdict_into(std::optional<Verdict>& verdict) const;
    bool has_verdict() const { return verdict_at_ != 0; }

    // Releases everything but the Call-ID (an ended call lingering to absorb retransmissions).
    void keep_call_id_only();
    // Bytes held on the heap.
    std::size_t size() const { return size_; }

private:
    std::unique_ptr<char[]> bytes_;
    std::uint32_t size_ = 0;
    std::uint32_t call_id_at_ = 0;
    std::uint32_t call_id_size_ = 0;
    std::uint32_t ingress_at_ = 0;
    std::uint32_t verdict_at_ = 0;  // 0: none
};

}  // namespace scamgate::record
