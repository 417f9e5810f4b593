// Text normalisation and extraction on single-part SMS (160 characters; the Vietnamese texts are
// longer in bytes because of their diacritics): text::make_views, extract_urls, phone and account
// numbers. Items are texts, bytes their UTF-8 bytes.
// Run: build/bench/text_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "text/extract.h"
#include "text/normalize.h"
#include "text/utf8.h"

using namespace scamgate;

namespace {

// Cut (or pad by repetition) to 160 code points.
std::string sms160(const std::string& s) {
    std::string out;
    std::size_t points = 0;
    while (points < 160) {
        for (std::size_t i = 0; i < s.size() && points < 160;) {
            const auto c = static_cast<unsigned char>(s[i]);
            const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            out.append(s, i, len);
            i += len;
            ++points;
        }
        if (points < 160) {
            out.push_back(' ');
            ++points;
        }
    }
    return out;
}

struct Texts {
    std::vector<std::string> items;
    std::size_t bytes = 0;
};

const Texts& texts(bool urls) {
    static const auto make = [](bool with_urls) {
        const std::vector<std::string> base = {
            "Tài khoản Vietcombank của quý khách đã bị khóa do đăng nhập bất thường. Vui lòng truy cập để mở khóa trong 24h.",
            "Ma OTP cua Quy khach la 482913. Tuyet doi khong cung cap ma nay cho bat ky ai, ke ca nhan vien ngan hang.",
            "T4i kh0an cua b4n da bi kh0a. L.H ngay 0987 654 321 hoac stk 0071001234567 de duoc h0 tr0.",
            "Your account has been suspended due to unusual sign-in activity. Please verify your details to restore access.",
            "Chúc mừng sinh nhật con yêu! Bố mẹ chúc con luôn mạnh khỏe, học giỏi và vui vẻ. Tối nay cả nhà đi ăn lẩu nhé.",
            "Don hang 8841201 cua ban dang duoc giao. Shipper se lien he truoc khi giao, vui long de y dien thoai.",
        };
        const std::vector<std::string> links = {" https://vcb-secure.top/login", " http://bit.ly/3xKq9Z",
                                                " www.vietcombank.com.vn", " hxxps://nhanqua-shopee[.]vip/qua"};
        Texts t;
        for (std::size_t i = 0; i < 1000; ++i) {
            std::string s = base[i % base.size()];
            if (with_urls) s = links[i % links.size()].substr(1) + " " + s;
            t.items.push_back(sms160(s));
            t.bytes += t.items.back().size();
        }
        return t;
    };
    static const Texts plain = make(false);
    static const Texts linked = make(true);
    return urls ? linked : plain;
}

void report(benchmark::State& state, const Texts& t) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * t.items.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * t.bytes));
}

void BM_MakeViews160(benchmark::State& state) {
    const auto& t = texts(false);
    for (auto _ : state) {
        for (const auto& s : t.items) {
            auto v = text::make_views(s);
            benchmark::DoNotOptimize(v.deobfuscated.data());
        }
    }
    report(state, t);
}
BENCHMARK(BM_MakeViews160);

void BM_ExtractUrls160(benchmark::State& state) {
    const auto& t = texts(true);
    const auto psl = text::PublicSuffixList::load();
    std::size_t found = 0;
    for (auto _ : state) {
        for (const auto& s : t.items) found += text::extract_urls(s, psl).size();
    }
    benchmark::DoNotOptimize(found);
    report(state, t);
}
BENCHMARK(BM_ExtractUrls160);

void BM_ExtractNumbers160(benchmark::State& state) {
    const auto& t = texts(false);
    std::vector<std::string> folded;
    for (const auto& s : t.items) folded.push_back(text::fold(s));
    std::size_t found = 0;
    for (auto _ : state) {
        for (const auto& s : folded) {
            found += text::extract_phone_numbers(s).size();
            found += text::extract_account_numbers(s).size();
        }
    }
    benchmark::DoNotOptimize(found);
    report(state, t);
}
BENCHMARK(BM_ExtractNumbers160);

}  // namespace

BENCHMARK_MAIN();
