#include "detect/detector.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "detect/lookalike.h"
#include "detect/score_model.h"
#include "lists/brand_registry.h"
#include "lists/domain_list.h"
#include "lists/number_prefix_list.h"
#include "phone/number.h"
#include "phone/plan.h"

namespace scamgate::detect {

namespace {

struct CheckScore {
    std::string_view name;
    int score;
};

// Defaults a carrier can start from; a policy may override any of them (check_scores).
constexpr std::array kCheckScores = {
    CheckScore{"cli.domestic_on_international", 80}, CheckScore{"cli.invalid", 40},
    CheckScore{"cli.do_not_originate", 90},          CheckScore{"cli.pai_mismatch", 30},
    CheckScore{"cli.equals_callee", 50},             CheckScore{"cli.neighbour", 30},
    CheckScore{"cli.anonymous", 40},                 CheckScore{"sms.brand_unregistered", 60},
    CheckScore{"sms.domestic_sender_international", 70},
    CheckScore{"url.brand_lookalike", 50},           CheckScore{"url.brand_homoglyph", 70},
    // Below the tag band on its own (the policy's tag-phishing-host-links rule tags it): a host
    // that merely resembles phishing hosts should be marked, and blocked only with other evidence.
    CheckScore{"url.phishing_host", 30},
};

std::string load_error(const std::string& what, const std::exception& e) {
    return fmt::format("{} ({})", e.what(), what);
}

}  // namespace

int default_check_score(std::string_view check) {
    for (const auto& c : kCheckScores) {
        if (c.name == check) return c.score;
    }
    return 0;
}

const std::vector<std::string>& check_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& c : kCheckScores) out.emplace_back(c.name);
        return out;
    }();
    return names;
}

const std::vector<std::string>& list_names() {
    static const std::vector<std::string> names = {"block_numbers", "allow_numbers", "do_not_originate",
                                                   "block_domains", "allow_domains", "brands",
                                                   "learned"};  // set by the detection stage (policy/stage.h)
    return names;
}

struct Detector::Data {
    Data(phone::NumberingPlan p, text::PublicSuffixList l) : plan(std::move(p)), psl(std::move(l)) {}
    phone::NumberingPlan plan;
    text::PublicSuffixList psl;
    std::optional<lists::NumberPrefixList> block_numbers;
    std::optional<lists::NumberPrefixList> allow_numbers;
    std::optional<lists::NumberPrefixList> do_not_originate;
    std::optional<lists::BrandRegistry> brands;
    std::optional<lists::DomainList> block_domains;
    std::optional<lists::DomainList> allow_domains;
    std::optional<lists::DomainList> link_services;
    std::vector<TextModel> models;
    std::optional<TextModel> host_model;
    std::optional<LookalikeMatcher> lookalike;
    std::optional<ScoreModel> score_model;
    std::size_t score_model_text_model = 0;  // index into models of the model it was fitted against
};

Detector::Detector() = default;
Detector::Detector(Detector&&) noexcept = default;
Detector& Detector::operator=(Detector&&) noexcept = default;
Detector::~Detector() = default;

const phone::NumberingPlan& Detector::plan() const { return data_->plan; }
const text::PublicSuffixList& Detector::public_suffixes() const { return data_->psl; }
const std::vector<TextModel>& Detector::models() const { return data_->models; }
const TextModel* Detector::host_model() const { return data_->host_model ? &*data_->host_model : nullptr; }
const LookalikeMatcher* Detector::lookalike() const { return data_->lookalike ? &*data_->lookalike : nullptr; }
const ScoreModel* Detector::score_model() const { return data_->score_model ? &*data_->score_model : nullptr; }

namespace {

// The index of the text model a score model was fitted against; throws when it is not loaded or
// its weights differ (a retrained model needs a refitted score model).
std::size_t fitted_text_model(const ScoreModel& score, const std::vector<TextModel>& models) {
    const auto& h = score.header();
    for (std::size_t i = 0; i < models.size(); ++i) {
        if (models[i].header().name != h.model_name) continue;
        if (models[i].header().weights_sha256 == h.model_weights_sha256) return i;
        throw ScoreModelError(fmt::format(
            "{}: fitted against text model '{}' with weights sha256 {}, but {} has {}: refit the score model "
            "(tools/train/fit-score) after retraining the text model",
            score.path(), h.model_name, h.model_weights_sha256, models[i].path(), models[i].header().weights_sha256));
    }
    throw ScoreModelError(fmt::format("{}: fitted against text model '{}', which detection.model does not load",
                                      score.path(), h.model_name));
}

}  // namespace

Detector Detector::load(const DetectorConfig& config, const std::function<void(const std::string&)>& warn) {
    Detector d;
    std::optional<phone::NumberingPlan> plan;
    try {
        plan = phone::load_plan(config.numbering_plan);
    } catch (const phone::PlanError& e) {
        throw DetectError(e.what());
    }
    std::optional<text::PublicSuffixList> psl;
    try {
        psl = text::PublicSuffixList::load(config.public_suffix_list);
    } catch (const std::runtime_error& e) {
        throw DetectError(load_error("detection.public_suffix_list", e));
    }
    d.data_ = std::make_unique<Data>(std::move(*plan), std::move(*psl));
    try {
        const auto& l = config.lists;
        if (!l.block_numbers.empty()) d.data_->block_numbers = lists::NumberPrefixList::load(l.block_numbers);
        if (!l.allow_numbers.empty()) d.data_->allow_numbers = lists::NumberPrefixList::load(l.allow_numbers);
        if (!l.do_not_originate.empty()) d.data_->do_not_originate = lists::NumberPrefixList::load(l.do_not_originate);
        if (!l.brands.empty()) d.data_->brands = lists::BrandRegistry::load(l.brands);
        if (!l.block_domains.empty()) d.data_->block_domains = lists::DomainList::load(l.block_domains);
        if (!l.allow_domains.empty()) d.data_->allow_domains = lists::DomainList::load(l.allow_domains);
        if (!l.link_services.empty()) d.data_->link_services = lists::DomainList::load(l.link_services);
    } catch (const lists::ListError& e) {
        throw DetectError(e.what());
    }
    try {
        for (const auto& path : config.models) d.data_->models.push_back(TextModel::load(path));
    } catch (const ModelError& e) {
        throw DetectError(load_error("detection.model", e));
    }
    try {
        if (!config.host_model.empty()) d.data_->host_model = TextModel::load(config.host_model, ModelKind::url_host);
    } catch (const ModelError& e) {
        throw DetectError(load_error("detection.host_model", e));
    }
    try {
        if (!config.score_model.empty()) {
            auto score = ScoreModel::load(config.score_model, KnownSignals{check_names(), list_names()});
            d.data_->score_model_text_model = fitted_text_model(score, d.data_->models);
            d.data_->score_model = std::move(score);
        }
    } catch (const ScoreModelError& e) {
        throw DetectError(load_error("detection.score_model", e));
    }
    try {
        if (!config.lists.protected_brands.empty()) {
            d.data_->lookalike.emplace(load_protected_brands(config.lists.protected_brands));
        }
    } catch (const BrandRegistryError& e) {
        throw DetectError(e.what());
    } catch (const std::runtime_error& e) {  // ICU data missing
        throw DetectError(load_error("lists.protected_brands", e));
    }
    try {
        d.engine_ = SignatureEngine::build(load_packs(config.signatures), EngineOptions{config.cache_dir}, warn);
    } catch (const SignatureError& e) {
        throw DetectError(e.what());
    } catch (const EngineError& e) {
        throw DetectError(e.what());
    }
    d.trunks_ = TrunkTable(config.trunks);
    d.neighbour_digits_ = config.neighbour_digits;
    d.host_model_threshold_ = config.host_model_threshold;
    return d;
}

phone::NumberInfo Detector::classify_number(std::string_view presented, std::optional<std::uint8_t> ton,
                                            std::optional<std::uint8_t> npi) const {
    return phone::classify(data_->plan, phone::extract_number(presented), phone::PresentedForm{ton, npi});
}

// --- features ------------------------------------------------------------------------------

namespace {

// Header values may hold any bytes; Hyperscan in UTF-8 mode needs valid UTF-8.
std::string valid_utf8(std::string_view value) { return text::raw_view(value).text; }

}  // namespace

Features sms_text_features(std::string_view text, const text::PublicSuffixList& psl) {
    Features f;
    f.text = text::make_views(text);
    f.urls = text::extract_urls(f.text->raw, psl);
    auto numbers = text::extract_numbers(f.text->folded);
    f.numbers = std::move(numbers.phones);
    f.accounts = std::move(numbers.accounts);
    return f;
}

ModelInput model_input(const Features& f) {
    return ModelInput{f.text->folded, f.text->deobfuscated, f.urls, f.numbers, f.accounts};
}

namespace {

// The calling number (From) or the numeric SMS sender, classified once (Features) for the
// checks, the lists and behaviour's keys; nullopt for alphanumeric senders.
std::optional<phone::NumberInfo> classify_originator(const Detector& d, const record::Contact& contact) {
    if (contact.call) {
        const auto& from = contact.call->from;
        return d.classify_number(from.uri.empty() ? from.user : from.uri);
    }
    if (contact.sms && !contact.sms->sender.alphanumeric()) {
        const auto& s = contact.sms->sender;
        return d.classify_number(s.address, s.ton, s.npi);
    }
    return std::nullopt;
}

}  // namespace

Features Detector::features(const record::Contact& contact) const {
    Features f;
    if (contact.sms) {
        f = sms_text_features(contact.sms->text, data_->psl);
        f.sender = valid_utf8(contact.sms->sender.address);
    }
    if (contact.call) {
        f.display_name = valid_utf8(contact.call->from.display);
        f.display_name_folded = text::fold(f.display_name);
        f.user_agent = valid_utf8(contact.call->user_agent);
        f.request_uri_user = valid_utf8(contact.callee.user);
        f.sender = valid_utf8(contact.caller.user);
        f.callee = classify_number(contact.callee.user);
    }
    f.originator = classify_originator(*this, contact);
    f.parties_classified = true;
    return f;
}

// --- signatures ----------------------------------------------------------------------------

namespace {

struct ScanInput {
    Field field;
    std::string_view value;
};

std::vector<ScanInput> scan_inputs(const Features& f) {
    std::vector<ScanInput> inputs;
    if (f.text) {
        inputs.push_back({Field::text_raw, f.text->raw});
        inputs.push_back({Field::text_folded, f.text->folded});
        inputs.push_back({Field::text_deobfuscated, f.text->deobfuscated});
    }
    for (const auto& url : f.urls) {
        inputs.push_back({Field::url, url.url});
        inputs.push_back({Field::url_host, url.host});
        inputs.push_back({Field::url_domain, url.registrable_domain});
    }
    if (!f.sender.empty()) inputs.push_back({Field::sender, f.sender});
    if (!f.display_name.empty()) inputs.push_back({Field::display_name, f.display_name});
    if (f.display_name_folded != f.display_name) inputs.push_back({Field::display_name, f.display_name_folded});
    if (!f.user_agent.empty()) inputs.push_back({Field::user_agent, f.user_agent});
    if (!f.request_uri_user.empty()) inputs.push_back({Field::request_uri_user, f.request_uri_user});
    return inputs;
}

// A signature that matches several inputs (two URLs) is one hit, with the first input's value.
void add_hits(const SignatureEngine& engine, const Features& features, Scratch& scratch, record::Verdict& verdict) {
    std::vector<std::uint32_t> found;  // every match of every input, in scan order: a handful
    for (const auto& input : scan_inputs(features)) {
        const auto first_new = static_cast<std::ptrdiff_t>(found.size());
        engine.scan(input.field, input.value, scratch, found);
        for (auto it = found.begin() + first_new; it != found.end(); ++it) {
            const auto index = *it;
            if (std::find(found.begin(), it, index) != it) continue;
            const auto& s = engine.signatures()[index];
            record::SignatureHit hit{s.id, s.name, s.category, std::string(field_name(s.field)),
                                     std::string(view_name(s.field)), "", s.score};
            if (!is_text_field(s.field)) hit.value = std::string(input.value);
            verdict.hits.push_back(std::move(hit));
        }
    }
    std::sort(verdict.hits.begin(), verdict.hits.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
}

}  // namespace

// --- checks --------------------------------------------------------------------------------

namespace {

struct Context {
    const Detector& detector;
    const record::Contact& contact;
    const Trunk* trunk;
    record::Verdict& verdict;
};

void found(Context& c, std::string_view check, std::string evidence) {
    for (const auto& existing : c.verdict.checks) {
        if (existing.name == check) return;
    }
    c.verdict.checks.push_back({std::string(check), std::move(evidence), default_check_score(check)});
}

bool is_anonymous(const record::Party& party) {
    std::string user = party.user;
    std::transform(user.begin(), user.end(), user.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return user.empty() || user == "anonymous" || user == "unavailable" || user == "unknown" || user == "restricted";
}

std::string describe(const phone::NumberInfo& n) {
    return fmt::format("{} ({})", n.e164.empty() ? n.presented : n.e164, phone::type_name(n.type));
}

std::string trunk_text(const Trunk* trunk) {
    return trunk ? fmt::format("trunk {} ({})", trunk->name, trunk->role) : "no trunk";
}

bool shares_leading_digits(const phone::NumberInfo& a, const phone::NumberInfo& b, unsigned digits) {
    if (a.national.size() != b.national.size() || a.national.size() <= digits || a.national == b.national) return false;
    return a.national.compare(0, digits, b.national, 0, digits) == 0;
}

void call_checks(Context& c, const Detector& d, const Trunk* trunk, const phone::NumberInfo& caller,
                 const phone::NumberInfo& callee, unsigned neighbour_digits) {
    const auto& call = *c.contact.call;
    const bool international = trunk && trunk->role == "international";
    if (is_anonymous(call.from) || call.privacy.find("id") != std::string::npos) {
        if (trunk && trunk->require_cli) found(c, "cli.anonymous", fmt::format("no caller number on {}", trunk_text(trunk)));
        return;
    }
    if (international && caller.domestic && caller.type != phone::NumberType::invalid) {
        found(c, "cli.domestic_on_international", fmt::format("caller {} on {}", describe(caller), trunk_text(trunk)));
    }
    if (caller.type == phone::NumberType::invalid) found(c, "cli.invalid", fmt::format("caller {}", describe(caller)));
    if (caller.type == phone::NumberType::emergency) {
        found(c, "cli.do_not_originate", fmt::format("caller {} is an emergency number", describe(caller)));
    }
    if (!call.p_asserted_identity.empty()) {
        const auto& pai = call.p_asserted_identity.front();
        const auto asserted = d.classify_number(pai.uri.empty() ? pai.user : pai.uri);
        if (!asserted.e164.empty() && !caller.e164.empty() && asserted.e164 != caller.e164) {
            found(c, "cli.pai_mismatch", fmt::format("From {} but P-Asserted-Identity {}", caller.e164, asserted.e164));
        }
    }
    if (!caller.e164.empty() && caller.e164 == callee.e164) {
        found(c, "cli.equals_callee", fmt::format("caller and callee are both {}", caller.e164));
    } else if (caller.domestic && callee.domestic && shares_leading_digits(caller, callee, neighbour_digits)) {
        found(c, "cli.neighbour", fmt::format("caller {} shares {} leading digits with callee {}", caller.e164,
                                              neighbour_digits, callee.e164));
    }
}

void add_list(record::Verdict& verdict, std::string_view name) {
    if (std::find(verdict.lists.begin(), verdict.lists.end(), name) == verdict.lists.end()) verdict.lists.emplace_back(name);
}

void sms_checks(Context& c, const Trunk* trunk, const phone::NumberInfo* sender,
                const lists::BrandRegistry* brands) {
    const auto& sms = *c.contact.sms;
    if (sms.sender.alphanumeric()) {
        // A brand sent by the account it is registered to: on the "brands" list, a strong
        // legitimate signal for the score model.
        if (brands && brands->is_allowed(sms.sender.address, sms.account)) {
            add_list(c.verdict, "brands");
        } else if (brands) {
            found(c, "sms.brand_unregistered",
                  fmt::format("sender '{}' is {} account '{}'", sms.sender.address,
                              brands->is_registered(sms.sender.address) ? "not registered to" : "registered to no",
                              sms.account.empty() ? "(none)" : sms.account));
        }
        return;
    }
    if (sender && trunk && trunk->role == "international" && sender->domestic &&
        sender->type != phone::NumberType::invalid) {
        found(c, "sms.domestic_sender_international", fmt::format("sender {} on {}", describe(*sender), trunk_text(trunk)));
    }
}

}  // namespace

record::Verdict Detector::assess(const record::Contact& contact, Scratch& scratch) const {
    return assess(contact, features(contact), scratch);
}

namespace {

std::string digits_of(std::string_view e164) { return std::string(e164.substr(e164.starts_with('+') ? 1 : 0)); }


void finish_score(record::Verdict& verdict) {
    auto& categories = verdict.categories;  // distinct and sorted
    categories.clear();
    for (const auto& hit : verdict.hits) categories.push_back(hit.category);
    std::sort(categories.begin(), categories.end());
    categories.erase(std::unique(categories.begin(), categories.end()), categories.end());
    verdict.score = score_of(verdict);
}

}  // namespace

int score_of(const record::Verdict& verdict) {
    if (verdict.calibration) return calibrated_score(*verdict.calibration);
    int score = 0;
    for (const auto& hit : verdict.hits) score += hit.score;
    for (const auto& check : verdict.checks) score += check.score;
    if (verdict.model) score += verdict.model->score;
    return std::min(score, 100);
}

const std::vector<ModelBand>& default_model_bands() {
    // The bundled policy's bands (config/policy.yaml; how they were chosen: docs/policy.md, "Model
    // bands"). Alone the model can tag, never reject.
    static const std::vector<ModelBand> bands = {{0.77, 40}, {0.60, 25}, {0.33, 10}};
    return bands;
}

int model_band_score(const std::vector<ModelBand>& bands, double probability) {
    for (const auto& band : bands)
        if (probability >= band.min_probability) return band.score;
    return 0;
}

std::optional<record::ModelScore> Detector::model_score(const Features& f) const {
    if (!f.text || data_->models.empty()) return std::nullopt;
    const ModelInput input = model_input(f);
    std::optional<record::ModelScore> best;
    for (const auto& model : data_->models) {
        const double p = model.probability(input);
        if (!best || p > best->probability)
            best = record::ModelScore{model.header().name, model.header().version, p, 0};
    }
    best->score = model_band_score(default_model_bands(), best->probability);
    return best;
}

record::ScoreBreakdown Detector::calibrate(const Features& f, const record::Verdict& verdict) const {
    const auto& fitted = data_->models[data_->score_model_text_model];
    if (verdict.model->name == fitted.header().name) return data_->score_model->explain(verdict);
    // Several models are loaded and another one gave the higher probability: the score model
    // weighs the one it was fitted against.
    auto own = verdict;
    own.model->probability = fitted.probability(model_input(f));
    return data_->score_model->explain(own);
}

namespace {

// "2day.love" or "again.Call" in running text are words the extractor reads as hosts (both are
// real TLDs); a scheme, a path or "www." makes a mention a link someone meant to send.
bool is_unambiguous_link(const text::UrlMention& url) {
    return url.had_scheme || url.host.starts_with("www.") || url.found.find('/') != std::string::npos;
}

}  // namespace

std::optional<record::HostModelScore> Detector::host_model_score(const Features& f) const {
    if (!data_->host_model || f.urls.empty()) return std::nullopt;
    const auto& model = *data_->host_model;
    std::optional<record::HostModelScore> best;
    for (const auto& url : f.urls) {
        // A link service's host name says nothing about the link, and a known-good domain is
        // known: neither is the host model's to judge.
        if (data_->link_services && data_->link_services->match(url.host)) continue;
        if (data_->allow_domains && data_->allow_domains->match(url.host)) continue;
        if (!is_unambiguous_link(url)) continue;
        const double p = model.probability(HostInput{url.host, url.registrable_domain});
        if (!best || p > best->probability)
            best = record::HostModelScore{model.header().name, model.header().version, p, url.host};
    }
    return best;
}

record::Verdict Detector::assess(const record::Contact& contact, const Features& f, Scratch& scratch,
                                 const std::vector<Trunk>& ingress) const {
    record::Verdict verdict;
    const Trunk* trunk = ingress.empty() ? trunks_.match(contact) : &ingress.front();
    verdict.trunk = trunk ? trunk->name : "";
    verdict.role = trunk ? trunk->role : "unknown";
    add_hits(engine_, f, scratch, verdict);
    Context c{*this, contact, trunk, verdict};
    const auto originator = f.parties_classified ? f.originator : classify_originator(*this, contact);
    if (contact.call) {
        const auto callee = f.parties_classified && f.callee ? *f.callee : classify_number(contact.callee.user);
        call_checks(c, *this, trunk, *originator, callee, neighbour_digits_);
    }
    if (contact.sms) {
        sms_checks(c, trunk, originator ? &*originator : nullptr, data_->brands ? &*data_->brands : nullptr);
    }

    const std::string number = originator ? digits_of(originator->e164) : std::string();
    if (!number.empty()) {
        if (data_->block_numbers && data_->block_numbers->contains_prefix_of(number)) add_list(verdict, "block_numbers");
        if (data_->allow_numbers && data_->allow_numbers->contains_prefix_of(number)) add_list(verdict, "allow_numbers");
        if (data_->do_not_originate && data_->do_not_originate->contains_prefix_of(number)) {
            add_list(verdict, "do_not_originate");
            if (contact.call) found(c, "cli.do_not_originate", fmt::format("caller +{} is on the do-not-originate list", number));
        }
    }
    for (const auto& url : f.urls) {
        if (data_->block_domains && data_->block_domains->match(url.host)) add_list(verdict, "block_domains");
        if (data_->allow_domains && data_->allow_domains->match(url.host)) add_list(verdict, "allow_domains");
        const auto lookalike = data_->lookalike ? data_->lookalike->match(url.host, url.registrable_domain) : std::nullopt;
        if (lookalike) {
            found(c, lookalike->homoglyph() ? "url.brand_homoglyph" : "url.brand_lookalike", describe(*lookalike, url.host));
        }
    }
    // A delivery receipt's text is the SMSC's report ("id:... stat:DELIVRD"), not a message.
    if (!(contact.sms && contact.sms->receipt)) {
        verdict.model = model_score(f);
        verdict.host_model = host_model_score(f);
        if (verdict.host_model && verdict.host_model->probability >= host_model_threshold_) {
            found(c, "url.phishing_host", fmt::format("host {}: host model {} probability {:.4f} >= {}", verdict.host_model->host,
                                                      verdict.host_model->name, verdict.host_model->probability,
                                                      host_model_threshold_));
        }
    }
    if (verdict.model && data_->score_model) verdict.calibration = calibrate(f, verdict);
    finish_score(verdict);
    return verdict;
}

}  // namespace scamgate::detect
