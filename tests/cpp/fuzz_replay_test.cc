// Replays the fuzzer's kept inputs through the same decoder and check as the fuzzer
// (tests/fuzz/fuzz_case.h), in every native build (plain and sanitized): the crash inputs in
// tests/fuzz/regressions/ and the seed corpus in tests/fuzz/seeds/.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz/fuzz_case.h"

namespace sepconv {
namespace fuzz {
namespace {

namespace fs = std::filesystem;

// tests/fuzz, found from this file's path (CMake compiles it by absolute path) unless
// SEPCONV_FUZZ_DIR says otherwise.
fs::path fuzz_dir() {
  if (const char* dir = std::getenv("SEPCONV_FUZZ_DIR")) return dir;
  return fs::path(__FILE__).parent_path().parent_path() / "fuzz";
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.' &&
        entry.path().extension() != ".md") {
      files.push_back(entry.path());
    }
  }
  return files;
}

void replay(const std::vector<fs::path>& files) {
  ThreadPool one(1);
  ThreadPool two(2);
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    Case c;
    if (!decode(bytes.data(), bytes.size(), &c)) continue;  // the fuzzer skips these too
    // The threads the input asks for, then the other count as well.
    EXPECT_EQ(check(c, c.threads == 2 ? two : one), "") << file;
    EXPECT_EQ(check(c, c.threads == 2 ? one : two), "") << file;
  }
}

TEST(FuzzReplay, SeedCorpus) {
  const std::vector<fs::path> seeds = files_in(fuzz_dir() / "seeds");
  // Guards against a wrong path silently replaying nothing.
  ASSERT_GE(seeds.size(), 8u) << "expected the seed corpus in " << fuzz_dir() / "seeds";
  replay(seeds);
}

TEST(FuzzReplay, Regressions) {
  ASSERT_TRUE(fs::is_directory(fuzz_dir() / "regressions")) << fuzz_dir() / "regressions";
  replay(files_in(fuzz_dir() / "regressions"));
}

}  // namespace
}  // namespace fuzz
}  // namespace sepconv
