#pragma once
// The calibrated score of an SMS: logistic regression over the signals detection found (the text
// model's log-odds, the signature hits, each category, check and list), fitted on cross-validated
// rows (tools/train/fit-score), so that a score of 70 means roughly "70 of 100 such messages were
// scam in validation". The weights are data (signatures/models/sms-score.yaml); the policy keeps
// its score conditions. Without a score model, scores stay the capped sum of hand-set scores
// (detector.h, score_of), which is what calls always get: no labelled calls exist to fit on.
//
// A ScoreModel is fitted against one text model (the log-odds it weighs are that model's): the
// file names the model and the sha256 of its weights, and loading refuses any other model.
// Immutable once loaded.
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "record/verdict.h"

namespace scamgate::detect {

class ScoreModelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The first line of a score model file.
inline constexpr std::string_view kScoreModelFormat = "scamgate-score 1";

// What one weight reads from a verdict.
enum class SignalKind {
    model_logit,  // the text model's log-odds, its probability clamped to [1e-4, 1 - 1e-4]
    signatures,   // the sum of the hits' hand-set scores / 100, capped at 1
    category,     // 1 when a hit of this category is present
    check,        // 1 when this check fired
    list,         // 1 when the contact is on this list
};

struct ScoreSignal {
    SignalKind kind = SignalKind::model_logit;
    std::string name;     // the category, check or list; empty for model_logit and signatures
    double weight = 0.0;  // log-odds per unit of the signal's value
    bool fitted = true;   // false: a prior set by hand (a signal the labelled data never shows)
};

struct ScoreModelHeader {
    std::string name;
    std::string version;
    std::string model_name;            // the text model the weights were fitted against
    std::string model_weights_sha256;  // and its weights' checksum
    std::string fitted;                // how: rows, their sha256, folds, solver (free text)
};

// The names check, category and list signals may use; unknown names are errors (a typo would
// otherwise silently weigh nothing).
struct KnownSignals {
    std::span<const std::string> checks;
    std::span<const std::string> lists;
};

class ScoreModel {
public:
    // Throws ScoreModelError "PATH:LINE: what is wrong".
    static ScoreModel load(const std::string& path, const KnownSignals& known);
    static ScoreModel parse(std::string_view yaml, const std::string& origin, const KnownSignals& known);

    const ScoreModelHeader& header() const { return header_; }
    const std::string& path() const { return path_; }
    double intercept() const { return intercept_; }
    const std::vector<ScoreSignal>& signals() const { return signals_; }

    // The calibrated probability and each signal's contribution for a verdict whose hits, checks,
    // lists and model are filled in (the model must be this score model's text model).
    record::ScoreBreakdown explain(const record::Verdict& verdict) const;

    // What the parser reads, before it becomes a ScoreModel.
    struct Parts {
        ScoreModelHeader header;
        double intercept = 0.0;
        std::vector<ScoreSignal> signals;
    };

private:
    ScoreModelHeader header_;
    std::string path_;
    double intercept_ = 0.0;
    std::vector<ScoreSignal> signals_;
    std::vector<std::string> labels_;  // signal_label() of each signal, made once at load
};

// "model_logit", "signatures", "category:NAME", "check:NAME", "list:NAME": how a signal is named
// in the file, in try's output and in events.
std::string signal_label(const ScoreSignal& signal);

// The calibrated score, 0..100: the probability in percent, rounded.
int calibrated_score(const record::ScoreBreakdown& breakdown);

}  // namespace scamgate::detect
