#include "pipeline/stream_probe.h"

namespace scamgate::pipeline {

namespace {
std::size_t index(net::Direction dir) { return dir == net::Direction::from_originator ? 0 : 1; }
}  // namespace

void StreamProbe::on_data(net::Direction dir, ByteView bytes, const net::SegmentMeta& meta) {
    if (chosen_) {
        chosen_->on_data(dir, bytes, meta);
        return;
    }
    auto& held = held_[index(dir)];
    if (held.bytes.empty() && bytes.size() >= kDecisionBytes) {
        if (auto protocol = decide_(bytes, false)) {
            chosen_ = make_(*protocol);
            replay_held();  // the other direction's few bytes first: they came earlier
            chosen_->on_data(dir, bytes, meta);
            return;
        }
    }
    hold(held, bytes, meta);
    if (held.bytes.size() < kDecisionBytes) return;
    const bool final = held.bytes.size() >= kMaxHeldBytes;
    if (auto protocol = decide_(held.bytes, final)) {
        chosen_ = make_(*protocol);
        replay_held();
    }
}

// Once kMaxHeldBytes are held the decision is forced, so a direction never holds more than that
// plus the one delivery that crossed it.
void StreamProbe::hold(Held& held, ByteView bytes, const net::SegmentMeta& meta) {
    held.bytes.insert(held.bytes.end(), bytes.begin(), bytes.end());
    held.meta = meta;
    held.meta.segment = nullptr;  // the bytes are now a copy
}

// Hands what was held to the chosen handler, the other direction's few bytes included.
void StreamProbe::replay_held() {
    for (auto d : {net::Direction::from_originator, net::Direction::from_responder}) {
        auto& h = held_[index(d)];
        if (h.bytes.empty()) continue;
        auto copy = std::move(h.bytes);
        h.bytes.clear();
        chosen_->on_data(d, copy, h.meta);
    }
}

void StreamProbe::on_gap(net::Direction dir, std::size_t missing) {
    if (chosen_) {
        chosen_->on_gap(dir, missing);
        return;
    }
    held_[index(dir)].bytes.clear();
}

void StreamProbe::on_close() {
    if (!chosen_) {
        // A short connection: decide on whatever came.
        const auto& a = held_[0].bytes;
        const auto& b = held_[1].bytes;
        if (a.empty() && b.empty()) return;
        chosen_ = make_(decide_(a.empty() ? b : a, true).value_or(StreamProtocol::sip));
        replay_held();
    }
    chosen_->on_close();
}

}  // namespace scamgate::pipeline
