// Helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <random>
#include <string>

#include "piu/core.hpp"

namespace piu::test {

// The folder scripts/models.sh fills; tests that need a model skip with a reason when it is absent.
inline std::string models_dir() {
  const char* env = std::getenv("PIU_MODELS_DIR");
  return env ? env : PIU_MODELS_DIR;
}

inline std::string model_path(const std::string& name) { return models_dir() + "/" + name; }

#define PIU_REQUIRE_MODEL(path)                                                                            \
  do {                                                                                                     \
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "missing " << (path) << ": run scripts/models.sh"; \
  } while (0)

// A fresh temporary folder removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("piu-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Expects `fn` to throw a kBadInput piu::Error whose message contains every needle.
inline void expect_bad_input(const std::function<void()>& fn, std::initializer_list<std::string> needles) {
  try {
    fn();
    ADD_FAILURE() << "no error";
  } catch (const piu::Error& e) {
    EXPECT_EQ(e.code(), piu::ErrorCode::kBadInput) << e.what();
    for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
}

}  // namespace piu::test
