// SMS detection on its own, against every shipped signature pack: ~1,000 SMS-length texts
// (invented here: Vietnamese with and without diacritics, English; legitimate and scam; with and
// without URLs) held in memory and scanned one after the other on one core.
//   BM_Assess      Detector::assess per SMS: views, URL / number / account extraction, every
//                  signature database (text views, URL fields, sender), checks, lists, score
//   BM_ScanFolded  SignatureEngine::scan of the folded view alone (views made beforehand)
//   BM_MakeViews   text::make_views alone (raw NFC, folded, deobfuscated)
//   BM_Features    Detector::features alone (views, URLs, phone and account numbers)
//   BM_ScanFields  every signature scan BM_Assess makes (text views, URL fields, sender), features
//                  made beforehand
//   BM_TextModel   Detector::model_score alone (features made beforehand)
//   BM_AssessBuilt Detector::assess with the features made beforehand (BM_Assess - BM_Features)
// Items are SMS, bytes are the UTF-8 bytes of their texts.
// Run: build/bench/detect_bench --benchmark_min_time=2
// The packs and config are found from SCAMGATE_SOURCE_DIR (the repository) when set, else from
// this file's location at build time, else from the built-in defaults.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/config.h"
#include "detect/detector.h"
#include "record/contact.h"
#include "text/normalize.h"

using namespace scamgate;

namespace {

std::filesystem::path repo_dir() {
    if (const char* env = std::getenv("SCAMGATE_SOURCE_DIR"); env && *env) return env;
    return std::filesystem::path(__FILE__).parent_path().parent_path();
}

struct Fixture {
    detect::Detector detector;
    std::vector<record::Contact> contacts;
    std::vector<std::string> texts;
    std::size_t bytes = 0;
};

// Deterministic text generator: templates with slots filled from small tables.
class Gen {
public:
    explicit Gen(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        state_ += 0x9E3779B97F4A7C15ull;
        std::uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    template <class T>
    const T& pick(const std::vector<T>& v) { return v[next() % v.size()]; }
    std::string digits(int n) {
        std::string s;
        for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + next() % 10));
        return s;
    }

private:
    std::uint64_t state_;
};

std::string fill(std::string t, Gen& g) {
    static const std::vector<std::string> names = {"Nguyễn Văn An", "Tran Thi Binh", "Lê Hoàng Nam", "Pham Minh Chau",
                                                   "Võ Thị Hạnh", "John", "Sarah", "Đặng Quốc Việt"};
    static const std::vector<std::string> banks = {"Vietcombank", "BIDV", "Techcombank", "VPBank", "MB Bank", "ACB",
                                                   "Agribank", "TPBank"};
    static const std::vector<std::string> bad_domains = {"vcb-secure.top", "bidv-online.xyz", "xacthuc-tk.icu",
                                                         "nhanqua-shopee.vip", "dichvucong-gov.cc", "bit.ly/3xKq9Z",
                                                         "vn-ebanks.click", "hoanthue.online"};
    static const std::vector<std::string> good_domains = {"vietcombank.com.vn", "shopee.vn/m/sale", "bidv.com.vn",
                                                          "dichvucong.gov.vn", "viettel.vn/goicuoc", "tiki.vn"};
    static const std::vector<std::string> amounts = {"500.000đ", "1.250.000 VND", "2tr", "350k", "15.000.000d",
                                                     "89.000đ"};
    auto replace_all = [&](const std::string& key, auto make) {
        for (std::size_t pos; (pos = t.find(key)) != std::string::npos;) t.replace(pos, key.size(), make());
    };
    replace_all("{NAME}", [&] { return g.pick(names); });
    replace_all("{BANK}", [&] { return g.pick(banks); });
    replace_all("{BAD}", [&] { return g.pick(bad_domains); });
    replace_all("{GOOD}", [&] { return g.pick(good_domains); });
    replace_all("{AMT}", [&] { return g.pick(amounts); });
    replace_all("{OTP}", [&] { return g.digits(6); });
    replace_all("{PHONE}", [&] { return "09" + g.digits(8); });
    replace_all("{ACC}", [&] { return g.digits(12); });
    replace_all("{N}", [&] { return std::to_string(1 + g.next() % 28); });
    return t;
}

// Invented messages in the styles an SMS gateway carries. Roughly two thirds legitimate.
const std::vector<std::string>& templates() {
    static const std::vector<std::string> t = {
        // Vietnamese, accented, legitimate
        "Mã OTP của Quý khách là {OTP}. Tuyệt đối không cung cấp mã này cho bất kỳ ai, kể cả nhân viên ngân hàng.",
        "{BANK}: TK {ACC} +{AMT} lúc 10:{N} ngày {N}/11. SD: {AMT}. ND: chuyen tien an trua",
        "Đơn hàng của bạn đã được giao thành công. Cảm ơn bạn đã mua sắm tại {GOOD}",
        "Con ơi tối nay về ăn cơm nhé, mẹ nấu canh chua. Nhớ mua giúp mẹ ít rau.",
        "(TB) Viettel tặng 20% giá trị thẻ nạp khi Quý khách nạp tiền hôm nay {N}/12. Chi tiết LH 198 (0đ).",
        "Lịch hẹn khám của {NAME} vào 8h30 ngày {N}/12 tại phòng khám số 3. Vui lòng đến trước 15 phút.",
        "Quý khách đã thanh toán hóa đơn điện tháng 11 số tiền {AMT}. Tra cứu tại https://{GOOD}",
        "Anh ơi chiều nay họp lúc 3h nhé, em gửi tài liệu qua email rồi.",
        // Vietnamese, unaccented, legitimate
        "Ma xac thuc cua ban la {OTP}, hieu luc trong 5 phut. Khong chia se ma nay cho bat ky ai.",
        "{BANK} thong bao: the cua quy khach da duoc gia han den 12/2029. Chi tiet goi 1900{OTP}",
        "Giao hang nhanh: don hang {ACC} se duoc giao trong ngay {N}/11, shipper se goi truoc khi giao.",
        "Chuc mung sinh nhat {NAME}! Chuc ban mot tuoi moi that nhieu suc khoe va niem vui.",
        "Tran trong moi phu huynh du hop lop luc 7h30 sang Chu nhat ngay {N}/12 tai truong.",
        // Vietnamese, accented, scam
        "Tài khoản {BANK} của quý khách đã bị khóa do đăng nhập bất thường. Truy cập https://{BAD} để mở khóa trong 24h.",
        "Cơ quan Công an thông báo: ông/bà {NAME} có liên quan đến vụ án rửa tiền, vui lòng liên hệ {PHONE} ngay.",
        "Chúc mừng quý khách đã trúng thưởng xe SH 150i trong chương trình tri ân. Nộp phí {AMT} để nhận giải tại {BAD}",
        "Tuyển CTV làm việc tại nhà, thu nhập 500k-2tr/ngày, không cần kinh nghiệm. Kết bạn Zalo {PHONE}",
        "Thuê bao của quý khách sẽ bị khóa 2 chiều sau 24h do chưa chuẩn hóa thông tin. Truy cập {BAD}",
        "Đơn hàng quốc tế của bạn đang bị hải quan tạm giữ, vui lòng nộp phí thông quan {AMT} vào STK {ACC}",
        "Hỗ trợ vay vốn không thế chấp, chỉ cần CCCD, giải ngân trong 30 phút. Phí hồ sơ {AMT}. LH {PHONE}",
        // Vietnamese, unaccented or obfuscated, scam
        "Vui long cung cap ma OTP vua nhan duoc de hoan tat nhan qua tri an tu {BANK}",
        "T4i kh0an cua b4n da bi kh0a, vao ngay {BAD} de x4c thuc",
        "Nha cai uy tin nap dau tang 100%, rut tien sieu toc, dang ky tai {BAD}",
        "So dien thoai cua ban duoc chon la khach hang may man nhan iPhone 15, nhan tai {BAD}",
        "Ban da duoc hoan thue TNCN {AMT}, cap nhat thong tin tai https://{BAD} truoc {N}/12",
        // English, legitimate
        "Your verification code is {OTP}. Do not share it with anyone.",
        "Hi {NAME}, are we still on for lunch tomorrow at 12? Let me know.",
        "Your parcel is out for delivery today between 2pm and 5pm. Track it at https://{GOOD}",
        "Reminder: your dentist appointment is on the {N}th at 9:30am. Reply C to cancel.",
        // English, scam
        "Your account has been suspended due to unusual sign-in activity. Verify your details at https://{BAD}",
        "Congratulations! You have won a $1,000 gift card. Claim your prize now at {BAD}",
        "Hi mum, I lost my phone, this is my new number. Can you send me {AMT} for rent today?",
        "USPS: your package could not be delivered, unpaid postage fee. Update your address at https://{BAD}",
    };
    return t;
}

Fixture& fixture() {
    static std::unique_ptr<Fixture> f = [] {
        const auto repo = repo_dir();
        const auto config_path = repo / "config" / "scamgate.yaml";
        app::AppConfig config = std::filesystem::exists(config_path) ? app::load_config(config_path.string())
                                                                     : app::AppConfig{};
        auto fx = std::unique_ptr<Fixture>(new Fixture{detect::Detector::load(config.resolved_detection()), {}, {}, 0});
        if (fx->detector.engine().signatures().empty()) throw std::runtime_error("no signatures loaded");
        Gen g(20261124);
        const auto& ts = templates();
        for (int i = 0; i < 1000; ++i) {
            std::string text = fill(ts[static_cast<std::size_t>(i) % ts.size()], g);
            record::Contact c;
            c.kind = record::ContactKind::sms;
            c.sms.emplace();
            c.sms->protocol = "smpp";
            c.sms->text = text;
            c.sms->encoding = "utf8";
            c.sms->sender.address = i % 3 == 0 ? "VCB" : "849" + g.digits(8);
            if (i % 3 == 0) c.sms->sender.ton = 5;
            c.sms->recipients.push_back({"849" + g.digits(8), {}, {}});
            c.caller.user = c.sms->sender.address;
            c.callee.user = c.sms->recipients.front().address;
            fx->bytes += text.size();
            fx->texts.push_back(std::move(text));
            fx->contacts.push_back(std::move(c));
        }
        return fx;
    }();
    return *f;
}

void report(benchmark::State& state, const Fixture& f) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.texts.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.bytes));
    state.counters["signatures"] = static_cast<double>(f.detector.engine().signatures().size());
    state.counters["avg_bytes"] = static_cast<double>(f.bytes) / static_cast<double>(f.texts.size());
}

void BM_Assess(benchmark::State& state) {
    auto& f = fixture();
    auto scratch = f.detector.make_scratch();
    std::size_t flagged = 0;
    for (auto _ : state) {
        for (const auto& c : f.contacts) {
            const auto verdict = f.detector.assess(c, scratch);
            flagged += verdict.score >= 40;
        }
    }
    benchmark::DoNotOptimize(flagged);
    report(state, f);
    state.counters["flagged_share"] =
        static_cast<double>(flagged) / static_cast<double>(state.iterations() * f.contacts.size());
}
BENCHMARK(BM_Assess);

void BM_ScanFolded(benchmark::State& state) {
    auto& f = fixture();
    std::vector<std::string> folded;
    for (const auto& t : f.texts) folded.push_back(text::make_views(t).folded);
    auto scratch = f.detector.make_scratch();
    std::vector<std::uint32_t> hits;
    std::size_t total = 0;
    for (auto _ : state) {
        for (const auto& s : folded) {
            hits.clear();
            f.detector.engine().scan(detect::Field::text_folded, s, scratch, hits);
            total += hits.size();
        }
    }
    benchmark::DoNotOptimize(total);
    report(state, f);
}
BENCHMARK(BM_ScanFolded);

void BM_MakeViews(benchmark::State& state) {
    auto& f = fixture();
    for (auto _ : state) {
        for (const auto& t : f.texts) {
            auto views = text::make_views(t);
            benchmark::DoNotOptimize(views.deobfuscated.data());
        }
    }
    report(state, f);
}
BENCHMARK(BM_MakeViews);

std::vector<detect::Features> all_features(const Fixture& f) {
    std::vector<detect::Features> out;
    for (const auto& c : f.contacts) out.push_back(f.detector.features(c));
    return out;
}

void BM_Features(benchmark::State& state) {
    auto& f = fixture();
    for (auto _ : state) {
        for (const auto& c : f.contacts) {
            auto features = f.detector.features(c);
            benchmark::DoNotOptimize(features.urls.data());
        }
    }
    report(state, f);
}
BENCHMARK(BM_Features);

void BM_ScanFields(benchmark::State& state) {
    auto& f = fixture();
    const auto features = all_features(f);
    const auto& engine = f.detector.engine();
    auto scratch = f.detector.make_scratch();
    std::vector<std::uint32_t> hits;
    for (auto _ : state) {
        hits.clear();
        for (const auto& x : features) {
            engine.scan(detect::Field::text_raw, x.text->raw, scratch, hits);
            engine.scan(detect::Field::text_folded, x.text->folded, scratch, hits);
            engine.scan(detect::Field::text_deobfuscated, x.text->deobfuscated, scratch, hits);
            for (const auto& url : x.urls) {
                engine.scan(detect::Field::url, url.url, scratch, hits);
                engine.scan(detect::Field::url_host, url.host, scratch, hits);
                engine.scan(detect::Field::url_domain, url.registrable_domain, scratch, hits);
            }
            engine.scan(detect::Field::sender, x.sender, scratch, hits);
        }
        benchmark::DoNotOptimize(hits.data());
    }
    report(state, f);
}
BENCHMARK(BM_ScanFields);

void BM_TextModel(benchmark::State& state) {
    auto& f = fixture();
    const auto features = all_features(f);
    double sum = 0;
    for (auto _ : state) {
        for (const auto& x : features) sum += f.detector.model_score(x)->probability;
    }
    benchmark::DoNotOptimize(sum);
    report(state, f);
}
BENCHMARK(BM_TextModel);

void BM_AssessBuilt(benchmark::State& state) {
    auto& f = fixture();
    const auto features = all_features(f);
    auto scratch = f.detector.make_scratch();
    int sum = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < features.size(); ++i) sum += f.detector.assess(f.contacts[i], features[i], scratch).score;
    }
    benchmark::DoNotOptimize(sum);
    report(state, f);
}
BENCHMARK(BM_AssessBuilt);

}  // namespace

BENCHMARK_MAIN();
