#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "detect/detector.h"
#include "detect/examples.h"
#include "temp_files.h"

using namespace scamgate;
using namespace scamgate::detect;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

DetectorConfig test_config(std::vector<std::string> packs = {kSource + "/tests/detect/packs/small.yaml"}) {
    DetectorConfig c;
    c.signatures = std::move(packs);
    c.numbering_plan = kSource + "/config/numbering/vn.yaml";
    c.lists.do_not_originate = kSource + "/config/lists/do-not-originate.txt";
    c.lists.brands = kSource + "/config/lists/brands.txt";
    c.lists.block_domains = kSource + "/config/lists/domains-block.txt";
    c.trunks = {parse_trunk_option("intl:international:203.0.113.0/24,2001:db8:113::/64"),
                parse_trunk_option("dom:domestic:198.51.100.0/24")};
    return c;
}

const Detector& detector() {
    static const Detector d = Detector::load(test_config());
    return d;
}

record::Contact sms(std::string text, std::string sender = "84912345678", std::string account = "") {
    record::Contact c;
    c.kind = record::ContactKind::sms;
    c.sms.emplace();
    c.sms->protocol = "smpp";
    c.sms->text = std::move(text);
    c.sms->sender.address = std::move(sender);
    if (std::any_of(c.sms->sender.address.begin(), c.sms->sender.address.end(), ::isalpha)) c.sms->sender.ton = 5;
    c.sms->account = std::move(account);
    c.sms->recipients.push_back({"84987654321", 1, 1});
    return c;
}

record::Contact call(std::string from, std::string to, const char* src_ip) {
    record::Contact c;
    c.kind = record::ContactKind::call;
    c.call.emplace();
    c.call->from.user = from;
    c.call->from.uri = "sip:" + from + "@gw;user=phone";
    c.caller = c.call->from;
    c.callee.user = std::move(to);
    c.ingress.src = *IpAddress::parse(src_ip);
    return c;
}

std::vector<std::uint32_t> hit_ids(const record::Verdict& v) {
    std::vector<std::uint32_t> ids;
    for (const auto& h : v.hits) ids.push_back(h.id);
    return ids;
}

bool has_check(const record::Verdict& v, std::string_view name) {
    return std::any_of(v.checks.begin(), v.checks.end(), [&](const auto& c) { return c.name == name; });
}

}  // namespace

TEST_CASE("signatures hit on the folded view whatever the accents, and the score adds up") {
    auto scratch = detector().make_scratch();
    const auto v = detector().assess(sms("CÔNG AN quận 1 TRIỆU TẬP ông, tài khoản bị khóa, xem vcb-secure.top/x"), scratch);
    CHECK(hit_ids(v) == std::vector<std::uint32_t>{9000001, 9000002, 9000003});
    CHECK(v.score == 95);
    CHECK(v.categories == std::vector<std::string>{"impersonation.police", "phishing.bank", "phishing.url"});
    const auto& url_hit = v.hits[2];
    CHECK(url_hit.field == "url_domain");
    CHECK(url_hit.value == "vcb-secure.top");
    CHECK(v.hits[0].view == "folded");
}

TEST_CASE("whole-word literals do not match inside longer words, the score is capped at 100") {
    auto scratch = detector().make_scratch();
    CHECK(hit_ids(detector().assess(sms("tai khoan bi khoan roi"), scratch)).empty());
    const auto v = detector().assess(sms("cong an trieu tap, tai khoan bi khoa, cung c4p ma OTP, vcb-secure.top/a", "VCB"), scratch);
    CHECK(v.hits.size() == 5);
    CHECK(v.score == 100);
}

TEST_CASE("deobfuscated view, sender and user-agent fields") {
    auto scratch = detector().make_scratch();
    CHECK(hit_ids(detector().assess(sms("cung c4p ma OTP cho em"), scratch)) == std::vector<std::uint32_t>{9000005});
    CHECK(hit_ids(detector().assess(sms("hello", "VCB"), scratch)) == std::vector<std::uint32_t>{9000006});
    auto scanner = call("+84912345678", "100", "192.0.2.9");
    scanner.call->user_agent = "friendly-scanner";
    CHECK(hit_ids(detector().assess(scanner, scratch)) == std::vector<std::uint32_t>{9000004});
}

TEST_CASE("cli.domestic_on_international fires only for domestic numbers on an international trunk") {
    auto scratch = detector().make_scratch();
    const auto spoofed = detector().assess(call("+84912345678", "+842437001001", "203.0.113.10"), scratch);
    CHECK(spoofed.trunk == "intl");
    CHECK(spoofed.role == "international");
    REQUIRE(has_check(spoofed, "cli.domestic_on_international"));
    CHECK(spoofed.checks[0].evidence == "caller +84912345678 (mobile) on trunk intl (international)");
    CHECK_FALSE(has_check(detector().assess(call("+442079460000", "+842437001001", "203.0.113.10"), scratch),
                          "cli.domestic_on_international"));
    CHECK_FALSE(has_check(detector().assess(call("+84912345678", "+842437001001", "198.51.100.20"), scratch),
                          "cli.domestic_on_international"));
    const auto v6 = detector().assess(call("0909111222", "+842437001001", "2001:db8:113::10"), scratch);
    CHECK(has_check(v6, "cli.domestic_on_international"));
}

TEST_CASE("caller-ID checks: invalid, emergency as caller, equals callee, neighbour, P-Asserted-Identity") {
    auto scratch = detector().make_scratch();
    CHECK(has_check(detector().assess(call("+8412345", "+84912345678", "198.51.100.20"), scratch), "cli.invalid"));
    CHECK(has_check(detector().assess(call("113", "+84912345678", "198.51.100.20"), scratch), "cli.do_not_originate"));
    CHECK(has_check(detector().assess(call("+84912345678", "0912345678", "198.51.100.20"), scratch), "cli.equals_callee"));
    const auto neighbour = detector().assess(call("+84912345001", "+84912345999", "198.51.100.20"), scratch);
    CHECK(has_check(neighbour, "cli.neighbour"));
    CHECK_FALSE(has_check(detector().assess(call("+84987000001", "+84912345999", "198.51.100.20"), scratch), "cli.neighbour"));
    auto pai = call("+84912345678", "+84987654321", "198.51.100.20");
    record::Party asserted;
    asserted.uri = "sip:+84903000111@gw";
    asserted.user = "+84903000111";
    pai.call->p_asserted_identity.push_back(asserted);
    const auto v = detector().assess(pai, scratch);
    REQUIRE(has_check(v, "cli.pai_mismatch"));
}

TEST_CASE("cli.anonymous only where the trunk requires a caller number") {
    auto scratch = detector().make_scratch();
    auto anonymous = call("anonymous", "+84912345678", "198.51.100.20");
    CHECK_FALSE(has_check(detector().assess(anonymous, scratch), "cli.anonymous"));
    Trunk strict = parse_trunk_option("dom:domestic:198.51.100.0/24");
    strict.require_cli = true;
    const auto features = detector().features(anonymous);
    CHECK(has_check(detector().assess(anonymous, features, scratch, {strict}), "cli.anonymous"));
}

TEST_CASE("sms checks: unregistered brand, domestic sender on an international route") {
    auto scratch = detector().make_scratch();
    auto brand = sms("Thong bao", "VCB", "esme-unknown");
    const auto v = detector().assess(brand, scratch);
    REQUIRE(has_check(v, "sms.brand_unregistered"));
    auto intl = sms("hello", "84912345678");
    intl.ingress.src = *IpAddress::parse("203.0.113.5");
    CHECK(has_check(detector().assess(intl, scratch), "sms.domestic_sender_international"));
}

TEST_CASE("a brand sent by the account registered to it is on the brands list, and only then") {
    auto scratch = detector().make_scratch();
    const auto on = [](const record::Verdict& v, std::string_view list) {
        return std::find(v.lists.begin(), v.lists.end(), list) != v.lists.end();
    };
    const auto registered = detector().assess(sms("Thong bao", "VCB", "esme-vcb"), scratch);
    CHECK(on(registered, "brands"));
    CHECK_FALSE(has_check(registered, "sms.brand_unregistered"));
    const auto other = detector().assess(sms("Thong bao", "VCB", "esme-bidv"), scratch);
    CHECK_FALSE(on(other, "brands"));
    CHECK(has_check(other, "sms.brand_unregistered"));
    CHECK_FALSE(on(detector().assess(sms("Thong bao", "84912345678"), scratch), "brands"));
}

TEST_CASE("lists: do-not-originate callers and blocked link domains") {
    auto scratch = detector().make_scratch();
    const auto hotline = detector().assess(call("+84113", "+84912345678", "198.51.100.20"), scratch);
    CHECK(std::find(hotline.lists.begin(), hotline.lists.end(), "do_not_originate") != hotline.lists.end());
}

TEST_CASE("every example of the test pack passes, a wrong example is reported with its signature") {
    CHECK(run_examples(detector()).empty());
    const auto bad = Detector::load(test_config({kSource + "/tests/detect/bad/failing-example.yaml"}));
    const auto failures = run_examples(bad);
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].signature->id == 9300001);
    CHECK(failures[0].should_match);
    CHECK(failures[0].example == "nothing to see");
}

TEST_CASE("bad packs fail the whole load with file:line, id and what to do") {
    auto error_of = [](std::vector<std::string> packs) {
        try {
            (void)Detector::load(test_config(std::move(packs)));
        } catch (const DetectError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const auto dir = kSource + "/tests/detect/";
    CHECK(error_of({dir + "packs/small.yaml", dir + "bad/duplicate-id.yaml"}) ==
          dir + "bad/duplicate-id.yaml:3: signature id 9000001 is already used at " + dir +
              "packs/small.yaml:4; ids are unique across packs and never reused: pick a new one");
    const auto regex = error_of({dir + "bad/bad-regex.yaml"});
    CHECK(regex.starts_with(dir + "bad/bad-regex.yaml:3: signature 9200001 (Lookbehind is not Hyperscan): Hyperscan "
                                  "rejected the pattern: "));
    CHECK(error_of({dir + "packs/missing.yaml"}).find("cannot open the signature pack") != std::string::npos);
    // Notices (score 0) and scam signatures (1..100) cannot trade places.
    CHECK(error_of({dir + "bad/notice-with-score.yaml"}).find("notice-with-score.yaml:6: ") != std::string::npos);
    CHECK(error_of({dir + "bad/notice-with-score.yaml"}).find("'score' of a notice.* signature must be 0, got '10'") !=
          std::string::npos);
    CHECK(error_of({dir + "bad/scam-with-score-zero.yaml"}).find("'score' must be an integer 1..100, got '0'") !=
          std::string::npos);
}

TEST_CASE("engine: literal-only fields use the literal API, the cache serves a second load") {
    const test_support::TempDir cache("engine-cache");  // this case's own, empty: the first build compiles
    const auto packs = std::vector<std::string>{kSource + "/tests/detect/packs/small.yaml", kSource + "/tests/detect/packs/literal-only.yaml"};
    auto first = SignatureEngine::build(load_packs(packs), EngineOptions{cache.path()});
    // text/folded, text/deobfuscated, url_domain, user_agent, sender, display_name
    CHECK(first.info().databases == 6);
    CHECK(first.info().compiled == 6);
    CHECK(first.info().literal_databases == 3);  // user_agent, sender, display_name
    auto second = SignatureEngine::build(load_packs(packs), EngineOptions{cache.path()});
    CHECK(second.info().from_cache == 6);
    CHECK(second.info().compiled == 0);
    auto scratch = second.make_scratch();
    std::vector<std::uint32_t> hits;
    second.scan(Field::display_name, "trung thuong lon", scratch, hits);
    REQUIRE(hits.size() == 1);
    CHECK(second.signatures()[hits[0]].id == 9100001);
}

TEST_CASE("engine: pure ASCII input scans a byte-mode copy of a field's regexes, with the same hits") {
    const test_support::TempFile pack("ascii-pack", ".yaml");
    pack.write(R"(pack: test-ascii
description: One regex field that has a byte-mode copy, one that cannot.
signatures:
  - id: 9300001
    name: Locked account, any letter for the o
    category: phishing.bank
    score: 30
    field: text
    regex: 'kh.a (tk|tai khoan)'
    references: ["tests"]
    examples:
      match: ["khoa tk"]
      no_match: ["khoan tk"]
  - id: 9300002
    name: Caseless non-ASCII name
    category: impersonation.brand
    score: 30
    field: display_name
    regex: 'ngân hàng'
    flags: [caseless]
    references: ["tests"]
    examples:
      match: ["NGÂN HÀNG ABC"]
      no_match: ["ngan hang"]
)");
    const auto engine = SignatureEngine::build(load_packs({pack.path()}), EngineOptions{});
    // text/folded has a copy; display_name has none (a caseless pattern names a non-ASCII letter).
    CHECK(engine.info().databases == 2);
    CHECK(engine.info().ascii_databases == 1);
    auto scratch = engine.make_scratch();
    auto hits_on = [&](Field field, std::string_view text) {
        std::vector<std::uint32_t> hits;
        engine.scan(field, text, scratch, hits);
        return hits.size();
    };
    CHECK(hits_on(Field::text_folded, "tai khoan: khoa tk ngay") == 1);  // ASCII: the byte-mode copy
    // Non-ASCII goes to the UTF-8 database: '.' there is the one character 'ó' (two bytes, which
    // '.' in byte mode would not match).
    CHECK(hits_on(Field::text_folded, "khóa tk") == 1);
    CHECK(hits_on(Field::text_folded, "khoan tk") == 0);
    CHECK(hits_on(Field::display_name, "NGÂN HÀNG ABC") == 1);
    CHECK(hits_on(Field::display_name, "ngan hang") == 0);
}

TEST_CASE("invalid UTF-8 and gigantic texts: views stay valid and bounded") {
    auto scratch = detector().make_scratch();
    const std::string text = "cong an \xff\xfe trieu tap";
    const auto features = detector().features(sms(text));
    REQUIRE(features.text.has_value());
    CHECK(features.text->invalid_utf8);
    CHECK(features.text->raw == "cong an \xef\xbf\xbd\xef\xbf\xbd trieu tap");  // each bad byte is U+FFFD
    // The replacement characters are characters like any other: the gap pattern still spans them.
    CHECK(hit_ids(detector().assess(sms(text), scratch)) == std::vector<std::uint32_t>{9000001});
    std::string huge(5'000'000, 'a');
    huge += " cong an trieu tap";
    const auto big = detector().features(sms(huge));
    REQUIRE(big.text.has_value());
    CHECK(big.text->truncated);
    CHECK(big.text->raw.size() <= 16384);
    CHECK(detector().assess(sms(huge), scratch).hits.empty());  // past the bound: not scanned
}

TEST_CASE("--trunk NAME:ROLE:CIDR parsing") {
    const auto t = parse_trunk_option("intl:international:203.0.113.0/24,2001:db8::/32");
    CHECK(t.name == "intl");
    CHECK(t.role == "international");
    REQUIRE(t.cidrs.size() == 2);
    CHECK(t.cidrs[0].contains(*IpAddress::parse("203.0.113.77")));
    CHECK_FALSE(t.cidrs[0].contains(*IpAddress::parse("203.0.114.1")));
    CHECK(t.cidrs[1].contains(*IpAddress::parse("2001:db8:1::5")));
    CHECK_THROWS_AS(parse_trunk_option("intl:international"), TrunkError);
    CHECK_THROWS_AS(parse_trunk_option("intl:international:999.1.1.1/8"), TrunkError);
    CHECK_THROWS_AS(parse_trunk_option("intl:international:10.0.0.0/33"), TrunkError);
}
