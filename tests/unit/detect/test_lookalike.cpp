#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "detect/detector.h"
#include "detect/examples.h"
#include "detect/lookalike.h"
#include "temp_files.h"

using namespace scamgate;
using namespace scamgate::detect;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;
const std::string kRegistry = kSource + "/config/lists/protected-brands.yaml";

const text::PublicSuffixList& psl() {
    static const auto list = text::PublicSuffixList::load();
    return list;
}

const LookalikeMatcher& matcher() {
    static const LookalikeMatcher m(load_protected_brands(kRegistry));
    return m;
}

std::optional<LookalikeMatch> look(const std::string& host) { return matcher().match(host, psl().registrable_domain(host)); }

// "Vietcombank/brand_token/vcb" for a match, "-" for none: one string to compare per case.
std::string summary(const std::string& host) {
    const auto m = look(host);
    if (!m) return "-";
    return m->brand->name + "/" + std::string(technique_name(m->technique)) + "/" + m->imitated;
}

ProtectedBrandSet parse(const std::string& yaml) { return parse_protected_brands(yaml, "test.yaml"); }

std::string parse_error(const std::string& yaml) {
    try {
        (void)parse(yaml);
    } catch (const BrandRegistryError& e) {
        return e.what();
    }
    return "(no error)";
}

const std::string kTinyRegistry = R"(action_words: [xacthuc]
brand_words: [vn]
brands:
  - name: Example Bank
    kind: bank
    domains: [examplebank.vn]
    tokens: [examplebank, exb]
    examples:
      match: [examplebank-xacthuc.top]
      no_match: [examplebank.vn]
)";

}  // namespace

TEST_CASE("lookalike: the brand's own domain followed by more labels") {
    const auto m = look("vietcombank.com.vn-xacthuc.top");
    REQUIRE(m);
    CHECK(m->brand->name == "Vietcombank");
    CHECK(m->technique == LookalikeTechnique::official_domain_prefix);
    CHECK(m->imitated == "vietcombank.com.vn");
    CHECK(m->action_word == "xacthuc");
    CHECK_FALSE(m->homoglyph());
    CHECK(summary("zalopay.vn.nhanqua.club") == "ZaloPay/official_domain_prefix/zalopay.vn");
    CHECK(describe(*m, "vietcombank.com.vn-xacthuc.top") ==
          "host vietcombank.com.vn-xacthuc.top imitates Vietcombank (bank): its domain vietcombank.com.vn followed by "
          "more labels; action word 'xacthuc'");
}

TEST_CASE("lookalike: brand tokens outside the brand's domains") {
    CHECK(summary("acb.vn-secure.xyz") == "ACB/brand_token/acb");
    CHECK(look("acb.vn-secure.xyz")->action_word == "secure");
    CHECK(summary("vietcombank-online.net") == "Vietcombank/brand_token/vietcombank");
    CHECK(summary("secure.vietcombank.example.com") == "Vietcombank/brand_token/vietcombank");  // deep subdomain
    CHECK(summary("tcb-ebanking.xyz") == "Techcombank/brand_token/tcb");
    // Short tokens joined to known words.
    CHECK(summary("dangnhapvcb.top") == "Vietcombank/brand_token/vcb");
    CHECK(summary("vpb24h-hanmuc.online") == "VPBank/brand_token/vpb");
    // The longest token names the brand: Viettel Post, not Viettel.
    CHECK(summary("viettelpost-phigiao.com") == "Viettel Post/brand_token/viettelpost");
}

TEST_CASE("lookalike: short tokens inside ordinary words or alone do not match") {
    CHECK(summary("mb.example.com") == "-");   // whole label, but no companion word
    CHECK(summary("vcb.com") == "-");          // left to the phishing-urls signatures (risky TLD, brand)
    CHECK(summary("avcbtool.com") == "-");
    CHECK(summary("acbel.com") == "-");
    CHECK(summary("fishbowl.com") == "-");     // shb
    CHECK(summary("tikitaka.com") == "-");     // tiki
    CHECK(summary("momoko.jp") == "-");        // momo
    CHECK(summary("5mb.vn") == "-");           // mb
    CHECK(summary("seven.com") == "-");        // evn
    CHECK(summary("evn.vn") == "-");           // "e" + "vn" is the token itself, not a companion
    CHECK(summary("bidvest.co.za") == "-");
    CHECK(summary("vibes.com") == "-");
}

TEST_CASE("lookalike: names split by dots or hyphens") {
    CHECK(summary("viet-combank.online") == "Vietcombank/split_token/vietcombank");
    CHECK(summary("vietcom.bank-online.xyz") == "Vietcombank/split_token/vietcombank");
    CHECK(summary("baca-bank-login.top") == "Bac A Bank/split_token/bacabank");
}

TEST_CASE("lookalike: digit-letter swaps and look-alike letters") {
    CHECK(summary("vietc0mbank.net") == "Vietcombank/lookalike_characters/vietcombank");
    CHECK(summary("b1dv.online") == "BIDV/lookalike_characters/bidv");
    CHECK(summary("m0m0.vn") == "MoMo/lookalike_characters/momo");
    CHECK(summary("za1opay.vn") == "ZaloPay/lookalike_characters/zalopay");
    CHECK(summary("vne1d.online") == "VNeID/lookalike_characters/vneid");
    CHECK(summary("mobiphone.online") == "MobiFone/lookalike_characters/mobifone");  // ph reads as f
    CHECK(summary("faceb00k.com") == "Facebook/lookalike_characters/facebook");
    CHECK(summary("sh0pee.vn") == "Shopee/lookalike_characters/shopee");
}

TEST_CASE("lookalike: one edit and transpositions on the registrable label") {
    CHECK(summary("vietcombamk.com") == "Vietcombank/one_edit/vietcombank");
    CHECK(summary("vietcombnak.com") == "Vietcombank/transposition/vietcombank");
    CHECK(summary("lazadda.vn") == "Lazada/one_edit/lazada");
    CHECK(summary("garema.vn") == "Garena/one_edit/garena");
    CHECK(summary("vietel-sim.online") == "Viettel/one_edit/viettel");
    // Names shorter than six letters are not compared by edit distance.
    CHECK(summary("arena.com") == "-");
    CHECK(summary("sendu.vn") == "-");
}

TEST_CASE("lookalike: internationalised hosts read through IDNA and the UTS #39 skeleton") {
    // Cyrillic 'о' (U+043E) in punycode: reads exactly as the bank's own domain.
    const auto m = look("xn--vietcmbank-ivi.com.vn");
    REQUIRE(m);
    CHECK(m->brand->name == "Vietcombank");
    CHECK(m->technique == LookalikeTechnique::reads_as_official_domain);
    CHECK(m->homoglyph());
    CHECK(m->reading == "vietcombank.com.vn");
    // The same in UTF-8, as the URL extractor keeps IDN hosts: Cyrillic 'і' (U+0456).
    const auto utf8 = look("v\xd1\x96" "etcombank.com.vn");
    REQUIRE(utf8);
    CHECK(utf8->technique == LookalikeTechnique::reads_as_official_domain);
    CHECK(utf8->reading == "vietcombank.com.vn");
    // Cyrillic 'о' twice in "momo": the wallet's domain.
    CHECK(summary("xn--mm-fmcb.vn") == "MoMo/reads_as_official_domain/momo.vn");
    // An accent reads as the bare letter; the host then carries a brand token.
    const auto accented = look("vietcomb\xc3\xa1nk-login.com");
    REQUIRE(accented);
    CHECK(accented->homoglyph());
    CHECK(accented->technique == LookalikeTechnique::brand_token);
    // Names in other scripts, and broken punycode, read as nothing.
    CHECK(summary("xn--fsqu00a.xn--0zwm56d") == "-");
    CHECK(summary("xn--zz.com") == "-");
    CHECK(summary("\xff\xfe.com") == "-");
}

TEST_CASE("lookalike: the brands' own domains and their subdomains never match") {
    std::size_t checked = 0;
    for (const auto& brand : matcher().registry().brands) {
        for (const auto& d : brand.domains) {
            for (const std::string& host : {d, "www." + d, "secure.login." + d, "vcb-xacthuc." + d}) {
                INFO(host);
                CHECK(summary(host) == "-");
                CHECK(matcher().is_official(host));
                ++checked;
            }
        }
    }
    CHECK(checked > 200);
    CHECK(summary("viettelpost.com.vn") == "-");  // a brand's domain is never another brand's look-alike
    CHECK(summary("congan.quangninh.gov.vn") == "-");
    CHECK_FALSE(matcher().is_official("vietcombank.com.vn.evil.top"));
    CHECK_FALSE(matcher().is_official("xvietcombank.com.vn"));
}

TEST_CASE("lookalike: IP literals and hosts past the bounds are not compared") {
    CHECK(summary("1.2.3.4") == "-");
    CHECK(matcher().match("[2001:db8::1]", "[2001:db8::1]") == std::nullopt);
    std::string long_host(250, 'a');
    long_host += "-vietcombank.com";  // 266 bytes: not a DNS name
    CHECK(matcher().match(long_host, long_host) == std::nullopt);
    std::string many_labels;
    for (int i = 0; i < 100; ++i) many_labels += "a.";
    many_labels += "vietcombank.top";
    CHECK(matcher().match(many_labels, "vietcombank.top") == std::nullopt);
    CHECK(matcher().match(std::string(64, 'v') + "cb-login.top", std::string(64, 'v') + "cb-login.top") == std::nullopt);
    CHECK(matcher().match("", "") == std::nullopt);
    CHECK(matcher().match("vietcombank-xacthuc.top.", "vietcombank-xacthuc.top.").has_value());  // trailing dot
}

TEST_CASE("lookalike: fold_confusables and edit_distance") {
    CHECK(fold_confusables("vietc0mbank") == fold_confusables("vietcombank"));
    CHECK(fold_confusables("b1dv") == fold_confusables("bidv"));
    CHECK(fold_confusables("5h0pee") == fold_confusables("shopee"));
    CHECK(fold_confusables("rnomo") == fold_confusables("momo"));
    CHECK(fold_confusables("mobiphone") == fold_confusables("mobifone"));
    CHECK(fold_confusables("vcb") != fold_confusables("vpb"));
    CHECK(edit_distance("vietcombank", "vietcombank", 1) == 0);
    CHECK(edit_distance("vietcombank", "vietcombamk", 1) == 1);
    CHECK(edit_distance("vietcombank", "vietcombnak", 1) == 1);   // a transposition is one edit
    CHECK(edit_distance("vietcombank", "vietcombankk", 1) == 1);
    CHECK(edit_distance("vietcombank", "vitcmbank", 1) == 2);     // stops at limit + 1
    CHECK(edit_distance("abc", "xyz", 5) == 3);
    CHECK(edit_distance(std::string(70, 'a'), std::string(70, 'a'), 1) == 2);  // past a label: not compared
    // The one-pass path (limit 1) agrees with the table (limit 2) on every kind of edit.
    for (const auto& pair : std::vector<std::pair<std::string, std::string>>{
             {"shopee", "shopee"}, {"shopee", "shoppee"}, {"shopee", "hopee"}, {"shopee", "shopea"}, {"shopee", "hsopee"},
             {"shopee", "shopeee"}, {"shopee", "sohpea"}, {"shopee", "shope"}, {"shopee", "xshope"}, {"", "a"}, {"ab", "ba"}}) {
        const std::string& a = pair.first;
        const std::string& b = pair.second;
        INFO(a, " / ", b);
        CHECK(edit_distance(a, b, 1) == std::min<std::size_t>(edit_distance(a, b, 2), 2));
        CHECK(edit_distance(b, a, 1) == edit_distance(a, b, 1));
    }
}

TEST_CASE("protected brands: the bundled registry loads") {
    const auto set = load_protected_brands(kRegistry);
    CHECK(set.brands.size() >= 50);
    CHECK(std::find(set.action_words.begin(), set.action_words.end(), "xacthuc") != set.action_words.end());
    const auto vcb = std::find_if(set.brands.begin(), set.brands.end(), [](const auto& b) { return b.name == "Vietcombank"; });
    REQUIRE(vcb != set.brands.end());
    CHECK(vcb->kind == BrandKind::bank);
    CHECK(vcb->domains == std::vector<std::string>{"vietcombank.com.vn"});
    CHECK(vcb->line > 0);
    CHECK_FALSE(vcb->match.empty());
}

TEST_CASE("protected brands: bad registries are refused with FILE:LINE") {
    CHECK(parse(kTinyRegistry).brands.size() == 1);
    auto with = [](const std::string& from, const std::string& to) {
        std::string y = kTinyRegistry;
        y.replace(y.find(from), from.size(), to);
        return y;
    };
    CHECK(parse_error(with("tokens: [examplebank, exb]", "tokens: [examplebank, ex-b]")) ==
          "test.yaml:7: brand 'Example Bank': token 'ex-b' must be 2..63 lowercase ASCII letters or digits (no '-' or '.': "
          "the matcher splits host names there)");
    CHECK(parse_error(with("kind: bank", "kind: casino")) ==
          "test.yaml:5: brand 'Example Bank': unknown kind 'casino'; one of bank, government, carrier, wallet, ecommerce, "
          "delivery, app, utility");
    CHECK(parse_error(with("domains: [examplebank.vn]", "domains: [ExampleBank.VN]")).starts_with(
        "test.yaml:6: brand 'Example Bank': domain 'ExampleBank.VN' must be lowercase ASCII"));
    CHECK(parse_error(with("    kind: bank", "    kind: bank\n    colour: red")) ==
          "test.yaml:6: brand 'Example Bank': unknown key 'colour'; known keys: name, kind, domains, tokens, examples");
    CHECK(parse_error(with("      no_match: [examplebank.vn]\n", "")) ==
          "test.yaml:9: brand 'Example Bank': 'examples.no_match' must list at least one host or text");
    CHECK(parse_error(kTinyRegistry + R"(  - name: Other Bank
    kind: bank
    domains: [other.vn]
    tokens: [exb]
    examples: {match: [exb-vn.top], no_match: [other.vn]}
)") == "test.yaml:11: brand 'Other Bank': token 'exb' is already given by brand 'Example Bank' (line 4); keep it in one brand");
    CHECK(parse_error("brands: [").starts_with("test.yaml:1: YAML syntax error"));
    CHECK(parse_error("action_words: []\nbrand_words: []\nbrands: []\n") ==
          "test.yaml:3: 'brands' must be a non-empty list of brands");
    CHECK_THROWS_WITH_AS(load_protected_brands("/nonexistent/brands.yaml"),
                         "/nonexistent/brands.yaml: cannot open the protected-brand registry (lists.protected_brands)",
                         BrandRegistryError);
}

// --- through the detector ------------------------------------------------------------------

namespace {

DetectorConfig lookalike_config(const std::string& registry) {
    DetectorConfig c;
    c.signatures = {kSource + "/tests/detect/packs/small.yaml"};
    c.numbering_plan = kSource + "/config/numbering/vn.yaml";
    c.lists.protected_brands = registry;
    return c;
}

record::Contact sms(std::string text) { return probe_contact(Field::text_raw, text); }

const record::CheckFinding* check_named(const record::Verdict& v, std::string_view name) {
    const auto it = std::find_if(v.checks.begin(), v.checks.end(), [&](const auto& c) { return c.name == name; });
    return it == v.checks.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("detector: url.brand_lookalike and url.brand_homoglyph are named checks with scores") {
    const auto names = check_names();
    CHECK(std::find(names.begin(), names.end(), "url.brand_lookalike") != names.end());
    CHECK(std::find(names.begin(), names.end(), "url.brand_homoglyph") != names.end());
    CHECK(default_check_score("url.brand_lookalike") == 50);
    CHECK(default_check_score("url.brand_homoglyph") == 70);

    const auto d = Detector::load(lookalike_config(kRegistry));
    REQUIRE(d.lookalike() != nullptr);
    auto scratch = d.make_scratch();
    auto v = d.assess(sms("Tai khoan bi khoa, xac thuc tai http://vietcombank.com.vn-xacthuc.top/ ngay"), scratch);
    const auto* c = check_named(v, "url.brand_lookalike");
    REQUIRE(c != nullptr);
    CHECK(c->score == 50);
    CHECK(c->evidence.starts_with("host vietcombank.com.vn-xacthuc.top imitates Vietcombank (bank)"));
    CHECK(v.score >= 50);

    v = d.assess(sms("Dang nhap https://xn--vietcmbank-ivi.com.vn/login"), scratch);
    c = check_named(v, "url.brand_homoglyph");
    REQUIRE(c != nullptr);
    CHECK(c->score == 70);
    CHECK(c->evidence == "host xn--vietcmbank-ivi.com.vn imitates Vietcombank (bank): internationalised name that reads "
                         "as its domain vietcombank.com.vn");
    CHECK(check_named(v, "url.brand_lookalike") == nullptr);

    // The bank's own link, and a text with no link, raise nothing.
    v = d.assess(sms("Vietcombank: dang nhap https://vcbdigibank.vietcombank.com.vn/ de xem sao ke"), scratch);
    CHECK(v.checks.empty());
    v = d.assess(sms("Vietcombank thong bao lich nghi le"), scratch);
    CHECK(v.checks.empty());
}

TEST_CASE("detector: an empty lists.protected_brands turns the checks off, a bad registry fails the load") {
    const auto off = Detector::load(lookalike_config(""));
    CHECK(off.lookalike() == nullptr);
    auto scratch = off.make_scratch();
    CHECK(off.assess(sms("http://vietcombank.com.vn-xacthuc.top/"), scratch).checks.empty());

    const test_support::TempFile bad("bad-brands", ".yaml");
    bad.write("action_words: []\nbrand_words: []\nbrands: 3\n");
    CHECK_THROWS_WITH_AS(Detector::load(lookalike_config(bad.path())),
                         (bad.path() + ":3: 'brands' must be a non-empty list of brands").c_str(), DetectError);
}

TEST_CASE("examples: the bundled registry examples pass, a failing one names its line") {
    const auto d = Detector::load(lookalike_config(kRegistry));
    CHECK(run_lookalike_examples(d).empty());
    CHECK(lookalike_example_count(d) > 200);

    const test_support::TempFile file("failing-brands", ".yaml");
    std::string y = kTinyRegistry;
    y.replace(y.find("no_match: [examplebank.vn]"), 26, "no_match: [examplebank.vn, examplebank-login.top]");
    y.replace(y.find("match: [examplebank-xacthuc.top]"), 32, "match: [examplebank-xacthuc.top, plain.example.org]");
    const auto failing = Detector::load(lookalike_config(file.write(y)));
    const auto failures = run_lookalike_examples(failing);
    REQUIRE(failures.size() == 2);
    CHECK(failures[0].should_match);
    CHECK(failures[0].example->text == "plain.example.org");
    CHECK(failures[0].example->line == 9);
    CHECK(failures[0].got.empty());
    CHECK_FALSE(failures[1].should_match);
    CHECK(failures[1].example->text == "examplebank-login.top");
    CHECK(failures[1].example->line == 10);
    CHECK(failures[1].got.find("imitates Example Bank") != std::string::npos);
    CHECK(lookalike_example_text("vcb-login.top") == "http://vcb-login.top/");
    CHECK(lookalike_example_text("see http://x.top/") == "see http://x.top/");
}
