#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "output/events.h"

using namespace scamgate;

namespace {

record::Contact sms_contact() {
    record::Contact c;
    c.kind = record::ContactKind::sms;
    c.ts = seconds(1'700'000'000);
    c.source = "unit";
    c.sms.emplace();
    auto& s = *c.sms;
    s.protocol = "smpp";
    s.sender = {"VCB", 5, 0};
    s.recipients = {{"84912345678", 1, 1}};
    s.account = "esme-1";
    s.text = "Tài khoản bị khóa";
    s.encoding = "ucs2";
    s.parts = {2, 2, true, 42, "udh", {}};
    s.first_seen = c.ts;
    s.smpp.emplace();
    s.smpp->command = "submit_sm";
    s.smpp->message_ids = {"a", "b"};
    s.smpp->command_status = 0;
    c.caller.user = "VCB";
    c.callee.user = "84912345678";
    return c;
}

}  // namespace

TEST_CASE("an sms event carries the issue's fields") {
    const auto j = output::to_json(sms_contact());
    CHECK(j["kind"] == "sms");
    CHECK(j["protocol"] == "smpp");
    CHECK(j["sender"]["address"] == "VCB");
    CHECK(j["sender"]["ton"] == 5);
    CHECK(j["recipient"]["address"] == "84912345678");
    CHECK_FALSE(j.contains("recipients"));
    CHECK(j["account"] == "esme-1");
    CHECK(j["text"] == "Tài khoản bị khóa");
    CHECK(j["encoding"] == "ucs2");
    CHECK(j["parts"]["total"] == 2);
    CHECK(j["parts"]["complete"] == true);
    CHECK(j["parts"]["reference"] == 42);
    CHECK(j["smpp"]["message_ids"].size() == 2);
    CHECK(j["smpp"]["command_status"] == 0);
}

TEST_CASE("redaction replaces the text with its length in characters and a stable hash") {
    const auto contact = sms_contact();
    const auto j = output::to_json(contact, {.redact_text = true});
    REQUIRE(j["text"].is_object());
    CHECK(j["text"]["length"] == 17);
    const std::string hash = j["text"]["xxh3_128"];
    CHECK(hash.size() == 32);
    CHECK(j.dump().find("khoản") == std::string::npos);
    CHECK(output::redacted_text("Tài khoản bị khóa")["xxh3_128"] == hash);
    CHECK(output::redacted_text("Tài khoản bị khoá")["xxh3_128"] != hash);

    std::ostringstream table_out;
    output::SummaryTable table({.redact_text = true});
    table.on_contact(contact);
    table.print(table_out, StatsReport{});
    CHECK(table_out.str().find("khoản") == std::string::npos);
    CHECK(table_out.str().find("smpp:esme-1") != std::string::npos);
}

TEST_CASE("enforced and not_enforced_reason: the reason is written iff the action was not carried out") {
    record::Contact c = sms_contact();
    c.verdict.emplace();
    c.verdict->action = "drop";
    c.verdict->policy_enforces = true;
    c.verdict->enforced = true;
    auto j = output::to_json(c);
    CHECK(j["enforced"] == true);
    CHECK_FALSE(j.contains("not_enforced_reason"));

    c.verdict->enforced = false;
    c.verdict->not_enforced_reason = record::NotEnforcedReason::submit_multi;
    j = output::to_json(c);
    CHECK(j["enforced"] == false);
    CHECK(j["not_enforced_reason"] == "submit_multi");

    c.verdict->action = "alert";
    c.verdict->not_enforced_reason.reset();
    j = output::to_json(c);
    CHECK(j["enforced"] == false);
    CHECK_FALSE(j.contains("not_enforced_reason"));
}

TEST_CASE("a JsonlWriter's line tap sees every line exactly as written, unparsed events included") {
    std::ostringstream out;
    std::vector<std::string> tapped;
    output::JsonlWriter writer("-", out);
    writer.tap_lines([&](std::string_view line) { tapped.emplace_back(line); });
    writer.on_contact(sms_contact());
    output::UnparsedEvent unparsed;
    unparsed.anomaly = "sip.bad_start_line";
    unparsed.action = "alert";
    writer.on_unparsed(unparsed);
    REQUIRE(tapped.size() == 2);
    CHECK(tapped[0] + tapped[1] == out.str());
    CHECK(tapped[0] == output::to_jsonl(sms_contact()));
    CHECK(tapped[1].find("\"anomaly\":\"sip.bad_start_line\"") != std::string::npos);
    CHECK(tapped[1].back() == '\n');
    CHECK(writer.written() == 2);
}

TEST_CASE("a JsonlWriter on the empty path writes only to its tap") {
    std::ostringstream out;
    std::vector<std::string> tapped;
    output::JsonlWriter writer("", out);
    writer.tap_lines([&](std::string_view line) { tapped.emplace_back(line); });
    writer.on_contact(sms_contact());
    writer.flush();
    CHECK(out.str().empty());
    REQUIRE(tapped.size() == 1);
    CHECK(tapped[0] == output::to_jsonl(sms_contact()));
}
