#pragma once
// Files a test writes: each test gets its own, made with mkstemps/mkdtemp under $TMPDIR (else
// /tmp) and removed when the object goes out of scope. ctest runs the cases of one binary as
// parallel processes, and other checkouts on the same machine run the same tests: a fixed path
// under /tmp would be shared by all of them.
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace scamgate::test_support {

inline std::string temp_root() {
    const char* dir = std::getenv("TMPDIR");
    return (dir != nullptr && *dir != '\0') ? dir : "/tmp";
}

// A new empty file named <root>/scamgate-<stem>-XXXXXX<suffix>; removed by the destructor.
class TempFile {
public:
    explicit TempFile(std::string_view stem, std::string_view suffix = "") {
        std::string pattern = temp_root() + "/scamgate-" + std::string(stem) + "-XXXXXX" + std::string(suffix);
        std::vector<char> name(pattern.begin(), pattern.end());
        name.push_back('\0');
        const int fd = mkstemps(name.data(), static_cast<int>(suffix.size()));
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "mkstemps " + pattern);
        close(fd);
        path_ = name.data();
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        std::error_code ignored;
        std::filesystem::remove(path_, ignored);
    }

    const std::string& path() const { return path_; }
    // Replaces the file's contents; returns the path, so `load(file.write(text))` reads well.
    const std::string& write(std::string_view contents) const {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out << contents;
        if (!out) throw std::runtime_error("cannot write " + path_);
        return path_;
    }

private:
    std::string path_;
};

// A new empty folder <root>/scamgate-<stem>-XXXXXX; removed with its contents by the destructor.
class TempDir {
public:
    explicit TempDir(std::string_view stem) {
        std::string pattern = temp_root() + "/scamgate-" + std::string(stem) + "-XXXXXX";
        std::vector<char> name(pattern.begin(), pattern.end());
        name.push_back('\0');
        if (mkdtemp(name.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
        path_ = name.data();
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }

    const std::string& path() const { return path_; }
    // A path inside the folder.
    std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }

private:
    std::string path_;
};

}  // namespace scamgate::test_support
