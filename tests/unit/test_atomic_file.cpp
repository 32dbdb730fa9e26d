#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include "piu/core.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;

namespace {
size_t count_files(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}
}  // namespace

TEST(AtomicFile, CommitWritesTheFile) {
  piu::test::TempDir dir;
  piu::write_file_atomic(dir / "a.txt", std::string_view("hello"));
  EXPECT_EQ(piu::read_file(dir / "a.txt"), "hello");
  EXPECT_EQ(count_files(dir.path()), 1u);
}

TEST(AtomicFile, FailureLeavesNoPartialFileAndKeepsTheOldOne) {
  piu::test::TempDir dir;
  piu::write_file_atomic(dir / "a.txt", std::string_view("old"));
  EXPECT_THROW(piu::write_file_atomic(dir / "a.txt",
                                      [](std::ostream& out) {
                                        out << "partial new content";
                                        throw piu::Error(piu::ErrorCode::kInternal, "writer failed midway");
                                      }),
               piu::Error);
  EXPECT_EQ(piu::read_file(dir / "a.txt"), "old");
  EXPECT_EQ(count_files(dir.path()), 1u) << "temp file left behind";

  {
    piu::AtomicFile f(dir / "b.txt");
    f.stream() << "never committed";
    EXPECT_TRUE(fs::exists(f.temp_path()));
    EXPECT_EQ(fs::path(f.temp_path()).parent_path(), dir.path()) << "temp file must be in the target's folder";
  }
  EXPECT_FALSE(fs::exists(dir / "b.txt"));
  EXPECT_EQ(count_files(dir.path()), 1u);
}

TEST(AtomicFile, MissingFolderIsAnError) {
  piu::test::TempDir dir;
  try {
    piu::write_npy(dir / "no/such/dir/x.npy", piu::Tensor::zeros(piu::DType::kFloat32, {1}));
    FAIL();
  } catch (const piu::Error& e) {
    EXPECT_EQ(e.code(), piu::ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos);
  }
  EXPECT_EQ(count_files(dir.path()), 0u);
}

TEST(AtomicFile, RefusesTargetsThatAreNotRegularFiles) {
  // A FIFO stands for /dev/null and friends: renaming a temp file over it would replace it.
  piu::test::TempDir dir;
  const std::string fifo = dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  try {
    piu::AtomicFile f(fifo);
    FAIL() << "expected an error";
  } catch (const piu::Error& e) {
    EXPECT_EQ(e.code(), piu::ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_THROW(piu::AtomicFile(dir.path().string()), piu::Error);  // a folder
}
