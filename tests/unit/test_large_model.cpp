// A model whose weights exceed 2 GB is saved (external data, chosen automatically) and loaded back.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "piu/onnx.hpp"

namespace fs = std::filesystem;

TEST(OnnxIo, ModelOver2GBRoundTrips) {
  const fs::path dir = fs::temp_directory_path() / ("piu-large-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  struct Cleanup {
    fs::path p;
    ~Cleanup() { fs::remove_all(p); }
  } cleanup{dir};
  const fs::space_info space = fs::space(dir);
  if (space.available < (uint64_t{6} << 30)) GTEST_SKIP() << "needs 6 GB free in " << dir << " for a 2.4 GB model";

  // Three 800 MiB MatMul weights: 2.34 GiB, past protobuf's 2 GiB limit.
  constexpr int64_t kRows = 1024, kCols = 200 * 1024;
  piu::onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("large");
  for (int i = 0; i < 3; ++i) {
    auto* t = g->add_initializer();
    t->set_name(std::string("w").append(std::to_string(i)));
    t->set_data_type(piu::onnx::TensorProto::FLOAT);
    t->add_dims(i % 2 == 0 ? kRows : kCols);
    t->add_dims(i % 2 == 0 ? kCols : kRows);
    std::string* raw = t->mutable_raw_data();
    raw->resize(static_cast<size_t>(kRows * kCols * 4));
    for (size_t k = 0; k < raw->size(); k += 4096) (*raw)[k] = static_cast<char>(i * 31 + k / 4096);
    (*raw)[raw->size() - 1] = static_cast<char>(i + 1);
  }
  ASSERT_GT(m.ByteSizeLong(), uint64_t{2} << 30);
  piu::OnnxModel model(std::move(m));
  model.save((dir / "large.onnx").string());
  ASSERT_TRUE(fs::exists(dir / "large.onnx.data"));
  EXPECT_LT(fs::file_size(dir / "large.onnx"), uint64_t{1} << 20) << "weights must go to the data file";
  EXPECT_GT(fs::file_size(dir / "large.onnx.data"), uint64_t{2} << 30);

  auto back = piu::OnnxModel::load((dir / "large.onnx").string());
  ASSERT_EQ(back.proto().graph().initializer_size(), 3);
  for (int i = 0; i < 3; ++i) {
    const std::string& a = model.proto().graph().initializer(i).raw_data();
    const std::string& b = back.proto().graph().initializer(i).raw_data();
    ASSERT_EQ(a.size(), b.size());
    EXPECT_TRUE(a == b) << "initializer " << i << " differs after the round trip";
  }
  ASSERT_EQ(back.external_files().size(), 1u);
  EXPECT_EQ(back.external_files()[0].tensors, 3);
}
