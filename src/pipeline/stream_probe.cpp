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
        choose(bytes);
        chosen_->on_data(dir, bytes, meta);
        return;
    }
    held.bytes.insert(held.bytes.end(), bytes.begin(), bytes.end());
    held.meta = meta;
    held.meta.segment = nullptr;  // the bytes are now a copy
    if (held.bytes.size() < kDecisionBytes) return;
    choose(held.bytes);
    replay_held();
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

void StreamProbe::choose(ByteView first_bytes) { chosen_ = make_(decide_(first_bytes)); }

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
        choose(a.empty() ? b : a);
        replay_held();
    }
    chosen_->on_close();
}

}  // namespace scamgate::pipeline
