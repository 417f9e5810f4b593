#include "detect/score_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace scamgate::detect {

namespace {

// Bounds: a score model is a few dozen weights; anything much larger is the wrong file.
constexpr std::size_t kMaxFileBytes = 1 << 20;
constexpr std::size_t kMaxSignals = 4096;
// A weight beyond this many log-odds would let one signal decide alone by a factor of e^50:
// a fitting error, not a calibration.
constexpr double kMaxAbsWeight = 50.0;
constexpr double kMinProbability = 1e-4;

struct KindName {
    SignalKind kind;
    std::string_view prefix;  // "model_logit" and "signatures" stand alone; the rest take ":NAME"
    bool named;
};
constexpr std::array kKinds = {
    KindName{SignalKind::model_logit, "model_logit", false}, KindName{SignalKind::signatures, "signatures", false},
    KindName{SignalKind::category, "category", true},        KindName{SignalKind::check, "check", true},
    KindName{SignalKind::list, "list", true},
};

std::string_view kind_prefix(SignalKind kind) {
    for (const auto& k : kKinds)
        if (k.kind == kind) return k.prefix;
    return "?";
}

bool contains(std::span<const std::string> names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

class Reader {
public:
    Reader(std::string origin, const KnownSignals& known) : origin_(std::move(origin)), known_(known) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
        throw ScoreModelError(fmt::format("{}:{}: {}", origin_, at.Mark().line + 1, what));
    }

    std::string text(const YAML::Node& root, const char* key) const {
        const auto node = root[key];
        if (!node || !node.IsScalar() || node.Scalar().empty()) fail(node ? node : root, fmt::format("'{}' must be a non-empty text", key));
        return node.Scalar();
    }

    double number(const YAML::Node& node, const std::string& what) const {
        double value = 0.0;
        if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !std::isfinite(value))
            fail(node, fmt::format("{} must be a number", what));
        if (std::abs(value) > kMaxAbsWeight)
            fail(node, fmt::format("{} is {}: beyond +-{} log-odds, which no calibration gives", what, value, kMaxAbsWeight));
        return value;
    }

    ScoreSignal signal(const YAML::Node& key, const YAML::Node& value, bool fitted) const {
        const std::string label = key.Scalar();
        const auto colon = label.find(':');
        const std::string_view prefix = std::string_view(label).substr(0, colon);
        const auto* kind = std::find_if(kKinds.begin(), kKinds.end(), [&](const KindName& k) { return k.prefix == prefix; });
        if (kind == kKinds.end() || kind->named != (colon != std::string::npos))
            fail(key, fmt::format("unknown signal '{}'; known: model_logit, signatures, category:NAME, check:NAME, list:NAME", label));
        ScoreSignal s{kind->kind, colon == std::string::npos ? "" : label.substr(colon + 1), 0.0, fitted};
        if (kind->named && s.name.empty()) fail(key, fmt::format("signal '{}' names nothing after ':'", label));
        if (s.kind == SignalKind::check && !contains(known_.checks, s.name))
            fail(key, fmt::format("unknown check '{}'; known: {}", s.name, fmt::join(known_.checks, ", ")));
        if (s.kind == SignalKind::list && !contains(known_.lists, s.name))
            fail(key, fmt::format("unknown list '{}'; known: {}", s.name, fmt::join(known_.lists, ", ")));
        s.weight = number(value, fmt::format("the weight of '{}'", label));
        return s;
    }

    void signals(const YAML::Node& root, const char* key, bool fitted, std::vector<ScoreSignal>& out) const {
        const auto node = root[key];
        if (!node) return;
        if (!node.IsMap()) fail(node, fmt::format("'{}' must be a mapping of signal: weight", key));
        for (const auto& entry : node) {
            auto s = signal(entry.first, entry.second, fitted);
            const auto same = [&](const ScoreSignal& o) { return o.kind == s.kind && o.name == s.name; };
            if (std::any_of(out.begin(), out.end(), same))
                fail(entry.first, fmt::format("signal '{}' is weighted twice", signal_label(s)));
            if (out.size() == kMaxSignals) fail(entry.first, fmt::format("more than {} signals", kMaxSignals));
            out.push_back(std::move(s));
        }
    }

    ScoreModel::Parts read(const YAML::Node& root) const {
        if (!root.IsMap()) fail(root, "a score model is a mapping (format, name, version, model, intercept, weights)");
        static constexpr std::array kKeys = {"format", "name", "version", "model", "fitted", "intercept", "weights", "priors"};
        for (const auto& entry : root) {
            const auto& k = entry.first.Scalar();
            if (std::find(kKeys.begin(), kKeys.end(), k) == kKeys.end())
                fail(entry.first, fmt::format("unknown key '{}'; known: {}", k, fmt::join(kKeys, ", ")));
        }
        if (text(root, "format") != kScoreModelFormat)
            fail(root["format"], fmt::format("format '{}' is not '{}': a score model for another scamgate version",
                                             root["format"].Scalar(), kScoreModelFormat));
        ScoreModel::Parts parts;
        parts.header.name = text(root, "name");
        parts.header.version = text(root, "version");
        const auto model = root["model"];
        if (!model || !model.IsMap()) fail(model ? model : root, "'model' must be {name: TEXT-MODEL, weights_sha256: HEX}");
        parts.header.model_name = text(model, "name");
        parts.header.model_weights_sha256 = text(model, "weights_sha256");
        if (root["fitted"]) parts.header.fitted = text(root, "fitted");
        if (!root["intercept"]) fail(root, "'intercept' is missing");
        parts.intercept = number(root["intercept"], "'intercept'");
        signals(root, "weights", true, parts.signals);
        signals(root, "priors", false, parts.signals);
        if (parts.signals.empty()) fail(root, "no 'weights': a score model weighs at least one signal");
        return parts;
    }

private:
    std::string origin_;
    KnownSignals known_;
};

double clamp_probability(double p) { return std::clamp(p, kMinProbability, 1.0 - kMinProbability); }

bool has_category(const record::Verdict& v, std::string_view name) {
    return std::any_of(v.hits.begin(), v.hits.end(), [&](const record::SignatureHit& h) { return h.category == name; });
}
bool has_check(const record::Verdict& v, std::string_view name) {
    return std::any_of(v.checks.begin(), v.checks.end(), [&](const record::CheckFinding& c) { return c.name == name; });
}
bool on_list(const record::Verdict& v, std::string_view name) {
    return std::find(v.lists.begin(), v.lists.end(), name) != v.lists.end();
}

// The value a signal reads from the verdict (0 when absent).
double signal_value(const ScoreSignal& s, const record::Verdict& v) {
    switch (s.kind) {
    case SignalKind::model_logit: {
        if (!v.model) return 0.0;
        const double p = clamp_probability(v.model->probability);
        return std::log(p / (1.0 - p));
    }
    case SignalKind::signatures: {
        int sum = 0;
        for (const auto& h : v.hits) sum += h.score;
        return std::min(sum, 100) / 100.0;
    }
    case SignalKind::category: return has_category(v, s.name) ? 1.0 : 0.0;
    case SignalKind::check: return has_check(v, s.name) ? 1.0 : 0.0;
    case SignalKind::list: return on_list(v, s.name) ? 1.0 : 0.0;
    }
    return 0.0;
}

}  // namespace

std::string signal_label(const ScoreSignal& signal) {
    if (signal.name.empty()) return std::string(kind_prefix(signal.kind));
    return fmt::format("{}:{}", kind_prefix(signal.kind), signal.name);
}

int calibrated_score(const record::ScoreBreakdown& breakdown) {
    return static_cast<int>(std::lround(std::clamp(breakdown.probability, 0.0, 1.0) * 100.0));
}

ScoreModel ScoreModel::parse(std::string_view yaml, const std::string& origin, const KnownSignals& known) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::ParserException& e) {
        throw ScoreModelError(fmt::format("{}:{}: YAML syntax error: {}", origin, e.mark.line + 1, e.msg));
    }
    Parts parts;
    try {
        parts = Reader(origin, known).read(root);
    } catch (const YAML::Exception& e) {
        throw ScoreModelError(fmt::format("{}:{}: {}", origin, e.mark.line + 1, e.msg));
    }
    ScoreModel m;
    m.header_ = std::move(parts.header);
    m.intercept_ = parts.intercept;
    m.signals_ = std::move(parts.signals);
    for (const auto& signal : m.signals_) m.labels_.push_back(signal_label(signal));
    m.path_ = origin;
    return m;
}

ScoreModel ScoreModel::load(const std::string& path, const KnownSignals& known) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ScoreModelError(fmt::format("{}: cannot open the score model", path));
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (bytes.str().size() > kMaxFileBytes)
        throw ScoreModelError(fmt::format("{}: larger than {} bytes: not a score model", path, kMaxFileBytes));
    return parse(bytes.str(), path, known);
}

record::ScoreBreakdown ScoreModel::explain(const record::Verdict& verdict) const {
    record::ScoreBreakdown out{header_.name, header_.version, intercept_, {}, 0.0};
    double logit = intercept_;
    for (std::size_t i = 0; i < signals_.size(); ++i) {
        const auto& s = signals_[i];
        const double value = signal_value(s, verdict);
        if (value == 0.0) continue;
        logit += value * s.weight;
        out.contributions.push_back({labels_[i], value, s.weight});
    }
    out.probability = 1.0 / (1.0 + std::exp(-logit));
    return out;
}

}  // namespace scamgate::detect
