#pragma once
// Alphanumeric SMS sender names (TON 5 "VCB", "Vietcombank") and the sending accounts (SMPP bind
// system_ids) each is registered to. File lines: NAME ACCOUNT[,ACCOUNT...] [# comment]; the name
// may hold single spaces (the accounts are the last field; runs of blanks in the file count as one);
// senders compare with registered names without regard to ASCII case, otherwise exactly.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "lists/list_file.h"

namespace scamgate::lists {

class BrandRegistry {
public:
    static constexpr std::size_t kMaxName = 20;     // SMPP source_addr holds at most 20 characters
    static constexpr std::size_t kMaxAccount = 16;  // SMPP system_id holds at most 16 characters

    // Throws ListError naming the file and line of a bad or repeated entry.
    static BrandRegistry load(const std::string& path);
    // Lines as in the file: "VCB esme-vcb,esme-bulk2".
    static BrandRegistry from(std::vector<std::string> lines);

    bool is_registered(std::string_view sender) const;
    // Registered and registered to this account (account names compare exactly).
    bool is_allowed(std::string_view sender, std::string_view account) const;
    std::size_t size() const { return brands_.size(); }

    struct Brand {
        std::string name;                   // lowercase
        std::vector<std::string> accounts;  // sorted
        std::size_t line = 0;
    };

private:
    static BrandRegistry build(std::vector<Brand> brands, const std::string& source);
    const Brand* find(std::string_view sender) const;

    std::vector<Brand> brands_;  // sorted by name
};

}  // namespace scamgate::lists
