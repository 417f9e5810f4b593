#include <stdexcept>
#include <string>

#include <libpsl.h>

#include "text/extract.h"
#include "text/url_parts.h"

namespace scamgate::text {

void PublicSuffixList::Deleter::operator()(psl_ctx_st* ctx) const {
    psl_free(ctx);  // a no-op for psl_builtin()'s static context
}

PublicSuffixList PublicSuffixList::load(const std::string& path) {
    if (path.empty()) {
        // psl_builtin() is a static context: libpsl never writes to it and psl_free() ignores it.
        const psl_ctx_t* builtin = psl_builtin();
        if (builtin == nullptr) throw std::runtime_error("libpsl was built without a built-in public suffix list");
        return PublicSuffixList(std::unique_ptr<psl_ctx_st, Deleter>(const_cast<psl_ctx_t*>(builtin)));
    }
    std::unique_ptr<psl_ctx_st, Deleter> ctx(psl_load_file(path.c_str()));
    if (!ctx) throw std::runtime_error("cannot read the public suffix list " + path);
    if (psl_suffix_count(ctx.get()) <= 0) throw std::runtime_error("no public suffix rules in " + path);
    return PublicSuffixList(std::move(ctx));
}

bool PublicSuffixList::is_public_suffix(std::string_view domain) const {
    if (domain.empty() || !ctx_) return false;
    const std::string d(domain);
    return psl_is_public_suffix2(ctx_.get(), d.c_str(), PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}

std::string PublicSuffixList::registrable_domain(std::string_view host) const {
    if (host.empty() || !ctx_ || is_ip_literal(host)) return std::string(host);
    const std::size_t dot = host.rfind('.');
    const std::string_view tld = dot == std::string_view::npos ? host : host.substr(dot + 1);
    if (!is_public_suffix(tld)) return std::string(host);  // unknown TLD: only the "*" rule knows it
    const std::string h(host);
    const char* rd = psl_registrable_domain(ctx_.get(), h.c_str());
    return rd != nullptr ? std::string(rd) : h;
}

}  // namespace scamgate::text
