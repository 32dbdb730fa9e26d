#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "piu/onnx.hpp"
#include "piu/session.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using piu::onnx::TensorProto;

namespace {

// y = x + w with x: float [batch, 4]; w (4 floats) inline or external.
piu::onnx::ModelProto add_model() {
  piu::onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("add");
  auto* node = g->add_node();
  node->set_op_type("Add");
  node->add_input("x");
  node->add_input("w");
  node->add_output("y");
  for (auto* v : {g->add_input(), g->add_output()}) {
    v->set_name(v == &g->input(0) ? "x" : "y");
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(TensorProto::FLOAT);
    tt->mutable_shape()->add_dim()->set_dim_param("batch");
    tt->mutable_shape()->add_dim()->set_dim_value(4);
  }
  const float w[4] = {1, 2, 3, 4};
  *g->add_initializer() =
      piu::tensor_to_proto(piu::Tensor::borrow(const_cast<float*>(w), piu::DType::kFloat32, {4}), "w");
  return m;
}

void make_external(piu::onnx::ModelProto& m, const std::string& location, const std::string& offset = "",
                   const std::string& length = "") {
  auto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_raw_data();
  w->set_data_location(TensorProto::EXTERNAL);
  auto add = [&](const char* k, const std::string& v) {
    if (v.empty()) return;
    auto* e = w->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", location);
  add("offset", offset);
  add("length", length);
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string weights_bytes() {
  const float w[4] = {1, 2, 3, 4};
  return std::string(reinterpret_cast<const char*>(w), sizeof w);
}

void write_model(const piu::onnx::ModelProto& m, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  ASSERT_TRUE(m.SerializeToOstream(&out));
}

// Loading `path` fails with kBadInput and a message holding every needle.
void expect_load_error(const std::string& path, std::initializer_list<std::string> needles,
                       piu::ErrorCode code = piu::ErrorCode::kBadInput) {
  try {
    piu::OnnxModel::load(path);
    ADD_FAILURE() << "loaded " << path;
  } catch (const piu::Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
  // The session refuses the same file before the runtime sees it.
  EXPECT_THROW(piu::Session::open(path), piu::Error);
}

}  // namespace

TEST(OnnxIo, LoadsExternalDataInsideTheFolder) {
  piu::test::TempDir dir;
  auto m = add_model();
  make_external(m, "weights.bin", "0", "16");
  write_model(m, dir / "model.onnx");
  write_bytes(dir / "weights.bin", weights_bytes());
  auto model = piu::OnnxModel::load(dir / "model.onnx");
  EXPECT_EQ(model.proto().graph().initializer(0).raw_data(), weights_bytes());
  ASSERT_EQ(model.external_files().size(), 1u);
  EXPECT_EQ(model.external_files()[0].location, "weights.bin");
  EXPECT_EQ(model.external_files()[0].bytes, 16u);

  auto session = piu::Session::open(dir / "model.onnx");
  auto x = piu::Tensor::from_vector<float>({10, 20, 30, 40}, {1, 4});
  auto y = session->run({x});
  EXPECT_EQ(y[0].data_as<float>()[3], 44.0f);
}

TEST(OnnxIo, RefusesParentTraversal) {
  piu::test::TempDir dir;
  fs::create_directories(dir.path() / "sub");
  write_bytes(dir / "x.bin", weights_bytes());
  auto m = add_model();
  make_external(m, "../x.bin");
  write_model(m, dir / "sub/model.onnx");
  expect_load_error(dir / "sub/model.onnx", {"sub/model.onnx", "'w'", "'..'"});
}

TEST(OnnxIo, RefusesAbsolutePaths) {
  piu::test::TempDir dir;
  auto m = add_model();
  make_external(m, "/etc/passwd");
  write_model(m, dir / "model.onnx");
  expect_load_error(dir / "model.onnx", {"'w'", "/etc/passwd", "absolute"});
}

TEST(OnnxIo, RefusesSymlinksLeadingOutside) {
  piu::test::TempDir dir;
  fs::create_directories(dir.path() / "sub");
  write_bytes(dir / "outside.bin", weights_bytes());
  fs::create_symlink(dir.path() / "outside.bin", dir.path() / "sub" / "weights.bin");
  auto m = add_model();
  make_external(m, "weights.bin");
  write_model(m, dir / "sub/model.onnx");
  expect_load_error(dir / "sub/model.onnx", {"'w'", "outside the model's folder"});
}

TEST(OnnxIo, AcceptsSymlinksInsideTheFolder) {
  piu::test::TempDir dir;
  write_bytes(dir / "real.bin", weights_bytes());
  fs::create_symlink("real.bin", dir.path() / "weights.bin");
  auto m = add_model();
  make_external(m, "weights.bin");
  write_model(m, dir / "model.onnx");
  EXPECT_EQ(piu::OnnxModel::load(dir / "model.onnx").proto().graph().initializer(0).raw_data(), weights_bytes());
}

TEST(OnnxIo, RefusesOutOfRangeOffsetsAndLengths) {
  piu::test::TempDir dir;
  write_bytes(dir / "weights.bin", weights_bytes());
  auto m = add_model();
  make_external(m, "weights.bin", "1000");
  write_model(m, dir / "offset.onnx");
  expect_load_error(dir / "offset.onnx", {"'w'", "offset 1000", "past the end"});

  auto n = add_model();
  make_external(n, "weights.bin", "8", "16");
  write_model(n, dir / "length.onnx");
  expect_load_error(dir / "length.onnx", {"'w'", "length 16", "past the end"});

  auto k = add_model();
  make_external(k, "weights.bin", "0", "8");
  write_model(k, dir / "short.onnx");
  expect_load_error(dir / "short.onnx", {"'w'", "holds 8 bytes", "needs 16"});

  auto q = add_model();
  make_external(q, "missing.bin");
  write_model(q, dir / "missing.onnx");
  expect_load_error(dir / "missing.onnx", {"'w'", "does not exist"});
}

TEST(OnnxIo, RejectsFilesThatAreNotModels) {
  piu::test::TempDir dir;
  write_bytes(dir / "empty.onnx", "");
  expect_load_error(dir / "empty.onnx", {"empty.onnx", "empty"});
  const std::string full = add_model().SerializeAsString();
  write_bytes(dir / "truncated.onnx", full.substr(0, full.size() / 2));
  expect_load_error(dir / "truncated.onnx", {"truncated.onnx", "parsing failed"});
  write_bytes(dir / "image.onnx", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  expect_load_error(dir / "image.onnx", {"image.onnx", "PNG image"});
  piu::onnx::ModelProto no_graph;
  no_graph.set_ir_version(8);
  write_model(no_graph, dir / "no_graph.onnx");
  expect_load_error(dir / "no_graph.onnx", {"no_graph.onnx", "no graph"});
  expect_load_error(dir / "absent.onnx", {"absent.onnx", "no such file"}, piu::ErrorCode::kIo);
}

TEST(OnnxIo, SaveWithExternalDataRoundTripsAndKeepsTheModel) {
  piu::test::TempDir dir;
  piu::OnnxModel model(add_model());
  piu::SaveOptions options;
  options.external_data = piu::SaveOptions::ExternalData::kAlways;
  options.external_threshold_bytes = 0;
  model.save(dir / "m.onnx", options);
  EXPECT_TRUE(fs::exists(dir / "m.onnx.data"));
  EXPECT_EQ(model.proto().graph().initializer(0).raw_data(), weights_bytes()) << "save must not change the model";
  EXPECT_FALSE(model.proto().graph().initializer(0).has_data_location());
  auto back = piu::OnnxModel::load(dir / "m.onnx");
  EXPECT_EQ(back.proto().graph().initializer(0).raw_data(), weights_bytes());
  EXPECT_EQ(back.external_files().at(0).location, "m.onnx.data");
  // No temp files left behind.
  size_t files = 0;
  for (auto& e : fs::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 2u);
}

size_t regular_files(const fs::path& dir) {
  size_t n = 0;
  for (auto& e : fs::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

TEST(OnnxIo, StagedSaveIsARunnableModelUntilCommitted) {
  piu::test::TempDir dir;
  piu::SaveOptions options;
  options.external_data = piu::SaveOptions::ExternalData::kAlways;
  options.external_threshold_bytes = 0;
  {
    piu::StagedSave staged(piu::OnnxModel(add_model()), dir / "m.onnx", options);
    EXPECT_FALSE(fs::exists(dir / "m.onnx"));
    EXPECT_EQ(regular_files(dir.path()), 2u);  // the staged model and its staged data
    // The staged file is a complete model: it loads (data included) and runs.
    auto staged_model = piu::OnnxModel::load(staged.temp_path());
    EXPECT_EQ(staged_model.proto().graph().initializer(0).raw_data(), weights_bytes());
    piu::SessionOptions ort;
    ort.backend = "ort";
    auto session = piu::Session::open(staged.temp_path(), ort);
    EXPECT_EQ(session->outputs().at(0).name, "y");
    staged.commit();
  }
  EXPECT_EQ(regular_files(dir.path()), 2u) << "m.onnx and m.onnx.data, no temp files";
  auto back = piu::OnnxModel::load(dir / "m.onnx");
  EXPECT_EQ(back.proto().graph().initializer(0).raw_data(), weights_bytes());
  EXPECT_EQ(back.external_files().at(0).location, "m.onnx.data");
}

TEST(OnnxIo, StagedSaveWithoutCommitLeavesNothing) {
  piu::test::TempDir dir;
  {
    piu::StagedSave inline_model(piu::OnnxModel(add_model()), dir / "a.onnx");
    piu::SaveOptions options;
    options.external_data = piu::SaveOptions::ExternalData::kAlways;
    options.external_threshold_bytes = 0;
    piu::StagedSave external(piu::OnnxModel(add_model()), dir / "b.onnx", options);
    EXPECT_EQ(regular_files(dir.path()), 3u);
  }
  EXPECT_EQ(regular_files(dir.path()), 0u);
}

TEST(OnnxIo, InspectReportsIoOpsAndParameters) {
  piu::test::TempDir dir;
  auto m = add_model();
  make_external(m, "weights.bin");
  write_model(m, dir / "model.onnx");
  write_bytes(dir / "weights.bin", weights_bytes());
  auto info = piu::inspect(piu::OnnxModel::load(dir / "model.onnx", {/*load_external_data=*/false}));
  ASSERT_EQ(info.inputs.size(), 1u);
  EXPECT_EQ(info.inputs[0].dims, (std::vector<std::string>{"batch", "4"}));
  EXPECT_EQ(info.opsets.at("ai.onnx"), 17);
  EXPECT_EQ(info.op_histogram.at("Add"), 1);
  EXPECT_EQ(info.parameters, 4);
  EXPECT_EQ(info.parameter_bytes, 16);
  ASSERT_EQ(info.external_files.size(), 1u);
  const std::string json = piu::model_info_json(info);
  EXPECT_NE(json.find("\"batch\""), std::string::npos);
  EXPECT_NE(piu::format_model_info(info).find("weights.bin"), std::string::npos);
}
