#pragma once
// Detection for one contact, whatever carried it: the trunk it came in on, signature hits on its
// text, URLs, sender and SIP headers, the named caller-ID / sender checks, list membership and the
// score. A Detector is immutable once loaded (share it between threads); each thread scans with its
// own Scratch.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "detect/engine.h"
#include "detect/text_model.h"
#include "detect/trunks.h"
#include "phone/number.h"
#include "record/contact.h"
#include "text/extract.h"
#include "text/normalize.h"

namespace scamgate::phone {
class NumberingPlan;
}  // namespace scamgate::phone

namespace scamgate::detect {

class DetectError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ListPaths {
    std::string block_numbers;     // numbers (E.164 prefixes) whose contacts are blocked by policy
    std::string allow_numbers;     // numbers never to block
    std::string do_not_originate;  // inbound-only numbers (bank hotlines, emergency): never callers
    std::string brands;            // alphanumeric SMS senders and the accounts they are registered to
    std::string block_domains;
    std::string allow_domains;
    std::string link_services;     // shorteners and deep-link services: hosts the host model skips
    std::string protected_brands;  // brands phishing hosts imitate (url.brand_lookalike); empty: none
};

struct DetectorConfig {
    std::vector<std::string> signatures;  // pack paths or globs
    std::vector<std::string> models;      // trained text model files (detection.model)
    std::string score_model;              // calibrated SMS score (detection.score_model); empty: none
    std::string host_model;               // trained URL host model file (detection.host_model); empty: none
    double host_model_threshold = 1.0;    // url.phishing_host fires at this probability and above
    std::string numbering_plan;
    std::string cache_dir;                // compiled signature databases; empty: none
    std::string public_suffix_list = "/usr/share/publicsuffix/public_suffix_list.dat";
    ListPaths lists;
    std::vector<Trunk> trunks;
    unsigned neighbour_digits = 6;        // cli.neighbour: leading digits of the national number shared
};

// What a contact offers to matching, derived once.
struct Features {
    std::optional<text::TextViews> text;  // SMS only
    std::vector<text::UrlMention> urls;
    std::vector<text::NumberMention> numbers;
    std::vector<text::NumberMention> accounts;
    std::string sender;
    std::string display_name;
    std::string display_name_folded;  // also scanned: patterns need not spell every accent and case
    std::string user_agent;
    std::string request_uri_user;
    // The parties as the numbering plan reads them, classified once here for the checks, the lists
    // and behaviour's keys: the originator is the call's From or the numeric SMS sender (nullopt
    // for an alphanumeric sender), the callee a call's request-URI user (nullopt for an SMS).
    // parties_classified is false in Features made by hand (tests): assess() classifies then.
    bool parties_classified = false;
    std::optional<phone::NumberInfo> originator;
    std::optional<phone::NumberInfo> callee;
};

// The text part of Features for an SMS text (views, URLs, phone and account numbers). Detector
// and the model trainer (tools/train) both use it, so a model trains on what it will see.
Features sms_text_features(std::string_view text, const text::PublicSuffixList& psl);
// What the text model reads from Features (which must hold a text).
ModelInput model_input(const Features& features);

class LookalikeMatcher;
class ScoreModel;

class Detector {
public:
    static Detector load(const DetectorConfig& config, const std::function<void(const std::string&)>& warn = {});
    Detector(Detector&&) noexcept;
    Detector& operator=(Detector&&) noexcept;
    ~Detector();

    Scratch make_scratch() const { return engine_.make_scratch(); }
    Features features(const record::Contact& contact) const;
    // Trunk, hits, checks, lists, categories and score (no policy decision).
    record::Verdict assess(const record::Contact& contact, Scratch& scratch) const;
    // `ingress` (from `try --ingress`) replaces the trunk found from the contact's addresses.
    record::Verdict assess(const record::Contact& contact, const Features& features, Scratch& scratch,
                           const std::vector<Trunk>& ingress = {}) const;

    const SignatureEngine& engine() const { return engine_; }
    const TrunkTable& trunks() const { return trunks_; }
    const phone::NumberingPlan& plan() const;
    phone::NumberInfo classify_number(std::string_view presented, std::optional<std::uint8_t> ton = {},
                                      std::optional<std::uint8_t> npi = {}) const;
    const text::PublicSuffixList& public_suffixes() const;
    const std::vector<TextModel>& models() const;
    // The model with the highest probability for this SMS text (none without text or models).
    std::optional<record::ModelScore> model_score(const Features& features) const;
    // The URL host model (detection.host_model), or nullptr when none is configured.
    const TextModel* host_model() const;
    // The host model's highest probability over the SMS's URL hosts (none without URLs or model).
    std::optional<record::HostModelScore> host_model_score(const Features& features) const;
    // The protected-brand look-alike matcher, or nullptr when lists.protected_brands is empty.
    const LookalikeMatcher* lookalike() const;
    // The calibrated SMS score model, or nullptr when detection.score_model is empty.
    const ScoreModel* score_model() const;

private:
    record::ScoreBreakdown calibrate(const Features& features, const record::Verdict& verdict) const;
    Detector();
    struct Data;
    std::unique_ptr<Data> data_;
    SignatureEngine engine_;
    TrunkTable trunks_;
    unsigned neighbour_digits_ = 6;
    double host_model_threshold_ = 1.0;
};

// The one definition of a record's score: the calibrated probability in percent when the verdict
// has a calibration (an SMS with text and a score model), else the sum of the hits', checks' and
// model band's scores, capped at 100.
int score_of(const record::Verdict& verdict);

// A band of model probability and the score it adds: the first band (highest min_probability
// first) whose min_probability the probability reaches gives the score.
struct ModelBand {
    double min_probability = 0.0;
    int score = 0;
};
// The bands used when the policy has no model_scores (docs/policy.md says how they were chosen).
const std::vector<ModelBand>& default_model_bands();
int model_band_score(const std::vector<ModelBand>& bands, double probability);

// The default score of each named check (overridable per policy).
int default_check_score(std::string_view check);
// Every check name, in the order they are evaluated.
const std::vector<std::string>& check_names();
// Every list a verdict may name (Verdict::lists).
const std::vector<std::string>& list_names();

}  // namespace scamgate::detect
