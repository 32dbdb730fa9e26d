#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "piu/core.hpp"
#include "test_util.hpp"

using piu::DType;

namespace {
const DType kNpyTypes[] = {DType::kFloat32, DType::kFloat16, DType::kFloat64, DType::kInt8,
                           DType::kUInt8,   DType::kInt16,   DType::kUInt16,  DType::kInt32,
                           DType::kUInt32,  DType::kInt64,   DType::kUInt64,  DType::kBool};

void expect_error(const std::string& path, piu::ErrorCode code, const std::string& needle) {
  try {
    piu::read_npy(path);
    ADD_FAILURE() << "read " << path;
  } catch (const piu::Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << "error should name the file: " << e.what();
  }
}
}  // namespace

TEST(Npy, RoundTripsEveryDtype) {
  piu::test::TempDir dir;
  for (DType dtype : kNpyTypes) {
    for (const piu::Shape& shape : {piu::Shape{2, 3, 5}, piu::Shape{7}, piu::Shape{}, piu::Shape{0, 4}}) {
      auto t = piu::Tensor::zeros(dtype, shape);
      auto* bytes = static_cast<uint8_t*>(t.data());
      for (size_t i = 0; i < t.nbytes(); ++i)
        bytes[i] = static_cast<uint8_t>(dtype == DType::kBool ? (i % 2) : i * 7 + 1);
      const std::string path = dir / (std::string(piu::dtype_name(dtype)) + ".npy");
      piu::write_npy(path, t);
      auto back = piu::read_npy(path);
      EXPECT_EQ(back.dtype(), dtype);
      EXPECT_EQ(back.shape(), shape);
      ASSERT_EQ(back.nbytes(), t.nbytes());
      EXPECT_EQ(std::memcmp(back.data(), t.data(), t.nbytes()), 0) << piu::dtype_name(dtype);
    }
  }
}

TEST(Npy, ReadsFilesWrittenByNumpy) {
  const std::string dir = piu::test::model_path("cases/npy");
  PIU_REQUIRE_MODEL(dir);
  for (const char* name : {"float32", "float16", "float64", "int8", "uint8", "int16", "int32", "int64", "bool"}) {
    auto t = piu::read_npy(dir + "/" + name + ".npy");
    EXPECT_EQ(piu::dtype_name(t.dtype()), name);
    EXPECT_EQ(t.shape(), (piu::Shape{2, 3, 4}));
    for (int64_t i = 0; i < t.numel(); ++i) {
      const double want = std::string(name) == "bool" ? (i % 3 == 0) : (i % 7);
      EXPECT_EQ(piu::element_as_double(t, i), want) << name << " element " << i;
    }
  }
}

TEST(Npy, RejectsBadFiles) {
  const std::string bad = piu::test::model_path("cases/bad");
  PIU_REQUIRE_MODEL(bad);
  expect_error(bad + "/bad_magic.npy", piu::ErrorCode::kBadInput, "bad magic");
  expect_error(bad + "/overflow.npy", piu::ErrorCode::kBadInput, "overflow");
}

TEST(Npy, RejectsTruncatedAndUnsupported) {
  piu::test::TempDir dir;
  auto t = piu::Tensor::zeros(DType::kFloat32, {16});
  piu::write_npy(dir / "ok.npy", t);
  std::string bytes = piu::read_file(dir / "ok.npy");
  {
    std::ofstream out(dir / "short.npy", std::ios::binary);
    out << bytes.substr(0, bytes.size() - 8);
  }
  expect_error(dir / "short.npy", piu::ErrorCode::kBadInput, "needs 64");
  std::string fortran = bytes;
  fortran.replace(fortran.find("False"), 5, "True ");
  {
    std::ofstream out(dir / "fortran.npy", std::ios::binary);
    out << fortran;
  }
  expect_error(dir / "fortran.npy", piu::ErrorCode::kUnsupported, "Fortran");
  std::string complex = bytes;
  complex.replace(complex.find("<f4"), 3, "<c8");
  {
    std::ofstream out(dir / "complex.npy", std::ios::binary);
    out << complex;
  }
  expect_error(dir / "complex.npy", piu::ErrorCode::kUnsupported, "not supported");
  expect_error(dir / "missing.npy", piu::ErrorCode::kIo, "cannot read");
}
