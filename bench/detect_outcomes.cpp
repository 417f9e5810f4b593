// detect_outcomes: every outcome of SMS assessment, one line per message, written so that two
// builds can be compared byte for byte. It exists to prove that a speed change to detection
// (src/detect, src/text, src/lists) changes no outcome: run the build before the change and the
// build after on the same texts and compare (bench/detect-outcomes.sh does both).
//
// Usage: detect_outcomes TEXTS   (one SMS text per line; the bundled config/scamgate.yaml, found as
//                                 detect_bench finds it)
// Each line of TEXTS is assessed three times, as sent by an alphanumeric brand ("VCB", on the
// brands list for account "esme-vcb"), by the same brand from another account, and by a numeric
// sender, so the sender checks and lists take part. Written per assessment: the features (views,
// URLs, phone and account numbers) and the whole verdict, from both Detector::assess overloads;
// probabilities as hexadecimal floats (%a), so a change in the last bit shows.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "app/config.h"
#include "detect/detector.h"
#include "record/contact.h"

using namespace scamgate;

namespace {

std::filesystem::path repo_dir() {
    if (const char* env = std::getenv("SCAMGATE_SOURCE_DIR"); env && *env) return env;
    return std::filesystem::path(__FILE__).parent_path().parent_path();
}

struct Sender {
    const char* address;
    std::optional<std::uint8_t> ton;
    const char* account;
};

constexpr Sender kSenders[] = {{"VCB", 5, "esme-vcb"}, {"VCB", 5, "bulk-reseller"}, {"84912345678", 1, ""}};

record::Contact sms_contact(const std::string& text, const Sender& sender) {
    record::Contact c;
    c.kind = record::ContactKind::sms;
    c.sms.emplace();
    c.sms->protocol = "smpp";
    c.sms->text = text;
    c.sms->encoding = "utf8";
    c.sms->sender.address = sender.address;
    c.sms->sender.ton = sender.ton;
    c.sms->account = sender.account;
    c.sms->recipients.push_back({"84987654321", {}, {}});
    c.caller.user = c.sms->sender.address;
    c.callee.user = c.sms->recipients.front().address;
    return c;
}

std::string hex(double v) { return fmt::format("{:a}", v); }

void write_features(std::string& out, const detect::Features& f) {
    if (f.text) {
        fmt::format_to(std::back_inserter(out), " raw={:?} folded={:?} deob={:?} invalid={} truncated={}", f.text->raw,
                       f.text->folded, f.text->deobfuscated, f.text->invalid_utf8, f.text->truncated);
    }
    for (const auto& u : f.urls) {
        fmt::format_to(std::back_inserter(out), " url={:?}|{:?}|{:?}|{:?}|{}|{}|{}", u.found, u.url, u.host,
                       u.registrable_domain, u.offset, u.had_scheme, u.obfuscated);
    }
    for (const auto& n : f.numbers) {
        fmt::format_to(std::back_inserter(out), " number={}|{:?}|{}|{}", n.digits, n.found, n.offset, n.international);
    }
    for (const auto& n : f.accounts) {
        fmt::format_to(std::back_inserter(out), " account={}|{:?}|{}|{}", n.digits, n.found, n.offset, n.international);
    }
    fmt::format_to(std::back_inserter(out), " sender={:?}", f.sender);
}

void write_verdict(std::string& out, const record::Verdict& v) {
    fmt::format_to(std::back_inserter(out), " trunk={:?} role={} score={}", v.trunk, v.role, v.score);
    for (const auto& h : v.hits) {
        fmt::format_to(std::back_inserter(out), " hit={}|{:?}|{}|{}|{}|{:?}|{}", h.id, h.name, h.category, h.field,
                       h.view, h.value, h.score);
    }
    for (const auto& c : v.checks) fmt::format_to(std::back_inserter(out), " check={}|{:?}|{}", c.name, c.evidence, c.score);
    for (const auto& c : v.categories) fmt::format_to(std::back_inserter(out), " category={}", c);
    for (const auto& l : v.lists) fmt::format_to(std::back_inserter(out), " list={}", l);
    if (v.model) {
        fmt::format_to(std::back_inserter(out), " model={}|{}|{}|{}", v.model->name, v.model->version,
                       hex(v.model->probability), v.model->score);
    }
    if (v.host_model) {
        fmt::format_to(std::back_inserter(out), " host_model={}|{}|{}|{:?}", v.host_model->name, v.host_model->version,
                       hex(v.host_model->probability), v.host_model->host);
    }
    if (v.calibration) {
        const auto& b = *v.calibration;
        fmt::format_to(std::back_inserter(out), " calibration={}|{}|{}|{}", b.name, b.version, hex(b.intercept),
                       hex(b.probability));
        for (const auto& c : b.contributions) {
            fmt::format_to(std::back_inserter(out), " contribution={}|{}|{}", c.signal, hex(c.value), hex(c.weight));
        }
    }
}

int write_outcomes(std::istream& in) {
    const auto config_path = repo_dir() / "config" / "scamgate.yaml";
    const app::AppConfig config = app::load_config(config_path.string());
    const auto detector = detect::Detector::load(config.resolved_detection());
    auto scratch = detector.make_scratch();
    std::string line;
    std::string out;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
        for (const auto& sender : kSenders) {
            const auto contact = sms_contact(line, sender);
            const auto features = detector.features(contact);
            out.clear();
            fmt::format_to(std::back_inserter(out), "{} {}/{}", n, sender.address, sender.account);
            write_features(out, features);
            write_verdict(out, detector.assess(contact, features, scratch));
            // The call the pipeline makes (features built inside) must give the same verdict.
            out += " |";
            write_verdict(out, detector.assess(contact, scratch));
            out.push_back('\n');
            std::fwrite(out.data(), 1, out.size(), stdout);
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: detect_outcomes TEXTS (one SMS text per line)\n";
        return 2;
    }
    std::ifstream in(argv[1]);
    if (!in) {
        std::cerr << "detect_outcomes: cannot read " << argv[1] << "\n";
        return 1;
    }
    try {
        return write_outcomes(in);
    } catch (const std::exception& e) {
        std::cerr << "detect_outcomes: " << e.what() << "\n";
        return 1;
    }
}
