// Inputs as models take them: random inputs with shared symbolic dims and integer ranges, .npz
// files, inputs given as files, and the integer ranges an ONNX graph implies.
#include <gtest/gtest.h>

#include <fstream>

#include "piu/onnx.hpp"
#include "piu/session.hpp"
#include "test_util.hpp"

namespace {

using piu::DType;
using piu::Shape;
using piu::TensorInfo;

TensorInfo info(const std::string& name, DType dtype, Shape shape, std::vector<std::string> dim_names) {
  TensorInfo i;
  i.name = name;
  i.dtype = dtype;
  i.shape = std::move(shape);
  i.dim_names = std::move(dim_names);
  return i;
}

using piu::test::expect_bad_input;

}  // namespace

TEST(RandomInputs, SymbolicDimsSharedAcrossInputsTakeOneSize) {
  const std::vector<TensorInfo> inputs = {info("x", DType::kFloat32, {-1, -1, 8}, {"batch", "time", ""}),
                                          info("state", DType::kFloat32, {2, -1, 16}, {"", "batch", ""}),
                                          info("lengths", DType::kInt64, {-1, -1}, {"batch", "time"})};
  piu::RandomInputOptions options;
  options.batch = 3;
  options.shapes = {piu::parse_shape_spec("x:-1x10x8")};  // fixes 'time' for every input
  const auto made = piu::make_random_inputs(inputs, options);
  EXPECT_EQ(made[0].shape(), (Shape{3, 10, 8}));
  EXPECT_EQ(made[1].shape(), (Shape{2, 3, 16}));
  EXPECT_EQ(made[2].shape(), (Shape{3, 10}));
  // Sizes known from elsewhere (given tensors) win over the batch.
  options.dims = {{"batch", 5}};
  EXPECT_EQ(piu::make_random_inputs(inputs, options)[1].shape(), (Shape{2, 5, 16}));
  // A named dim nobody sizes is still an error naming it.
  expect_bad_input([&] { piu::make_random_inputs(inputs, std::vector<piu::ShapeSpec>{}, 1); }, {"'time'"});
}

TEST(RandomInputs, IntegerRangesAndStatedDtypes) {
  const std::vector<TensorInfo> inputs = {info("ids", DType::kInt64, {2, 50}, {}),
                                          info("mask", DType::kInt32, {2, 50}, {}),
                                          info("x", DType::kFloat32, {2}, {})};
  piu::RandomInputOptions options;
  options.int_ranges = {piu::parse_int_range("ids:5:9"), piu::parse_int_range("ids:0:1000")};  // the first wins
  const auto made = piu::make_random_inputs(inputs, options);
  for (int64_t i = 0; i < made[0].numel(); ++i) EXPECT_TRUE(made[0].data_as<int64_t>()[i] >= 5 && made[0].data_as<int64_t>()[i] < 9);
  for (int64_t i = 0; i < made[1].numel(); ++i) EXPECT_TRUE(made[1].data_as<int32_t>()[i] == 0 || made[1].data_as<int32_t>()[i] == 1);
  options.int_ranges = {piu::parse_int_range("x:0:3")};
  expect_bad_input([&] { piu::make_random_inputs(inputs, options); }, {"'x'", "float32"});
  options.int_ranges = {piu::parse_int_range("nope:0:3")};
  expect_bad_input([&] { piu::make_random_inputs(inputs, options); }, {"'nope'", "ids, mask, x"});
  options.int_ranges = {piu::parse_int_range("mask:0:3000000000")};
  expect_bad_input([&] { piu::make_random_inputs(inputs, options); }, {"does not fit", "int32"});
  expect_bad_input([] { piu::parse_int_range("ids:9:5"); }, {"LO must be below HI"});
  expect_bad_input([] { piu::parse_int_range("ids:0"); }, {"NAME:LO:HI"});
  EXPECT_EQ(piu::parse_int_range("input:0:-1:7").name, "input:0");  // names may hold ':'

  // A TorchScript input declares nothing: the spec's dtype types it; an ONNX input's own type wins
  // over a contradicting spec with an error.
  TensorInfo undeclared = info("tokens", DType::kFloat32, {}, {});
  undeclared.rank_known = false;
  const auto typed = piu::make_random_inputs({undeclared}, {piu::parse_shape_spec("tokens:-1x4:int64")}, 2);
  EXPECT_EQ(typed[0].dtype(), DType::kInt64);
  EXPECT_EQ(typed[0].shape(), (Shape{2, 4}));
  expect_bad_input([&] { piu::make_random_inputs(inputs, {piu::parse_shape_spec("ids:2x50:float32")}, 1); },
                   {"'ids' is int64"});
}

TEST(Npz, ReadsStoredAndCompressedArchivesByName) {
  for (const char* file : {"cases/npy/inputs.npz", "cases/npy/inputs_compressed.npz"}) {
    const std::string path = piu::test::model_path(file);
    PIU_REQUIRE_MODEL(path);
    const auto arrays = piu::read_npz(path);
    ASSERT_EQ(arrays.size(), 3u) << file;
    EXPECT_EQ(arrays[0].first, "ids");
    EXPECT_EQ(arrays[0].second.dtype(), DType::kInt64);
    EXPECT_EQ(arrays[0].second.shape(), (Shape{2, 3}));
    EXPECT_EQ(arrays[0].second.data_as<int64_t>()[5], 5);
    EXPECT_EQ(arrays[1].first, "x");
    EXPECT_FLOAT_EQ(arrays[1].second.data_as<float>()[7], 1.0f);
    EXPECT_EQ(arrays[2].first, "flag");
    EXPECT_EQ(arrays[2].second.shape(), Shape{});
    EXPECT_TRUE(arrays[2].second.data_as<bool>()[0]);
  }
}

TEST(Npz, RefusesDamagedArchivesNamingTheFile) {
  const std::string path = piu::test::model_path("cases/npy/inputs.npz");
  PIU_REQUIRE_MODEL(path);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  piu::test::TempDir dir;
  auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / name, std::ios::binary) << content;
    return dir / name;
  };
  std::string flipped = bytes;
  flipped[flipped.find("NUMPY") + 40] ^= 0x55;  // inside the first array's header or data: the CRC fails
  expect_bad_input([&] { piu::read_npz(write("crc.npz", flipped)); }, {"crc.npz", "CRC"});
  expect_bad_input([&] { piu::read_npz(write("cut.npz", bytes.substr(0, bytes.size() / 2))); }, {"cut.npz", ".npz"});
  expect_bad_input([&] { piu::read_npz(write("text.npz", "hello")); }, {"text.npz", "not a valid .npz"});
}

TEST(GivenInputs, ReadsFilesAndChecksThemAgainstTheModel) {
  const std::string npz = piu::test::model_path("cases/npy/inputs.npz");
  const std::string npy = piu::test::model_path("cases/npy/int64.npy");
  PIU_REQUIRE_MODEL(npz);
  const auto given = piu::read_given_inputs({"tokens=" + npy, npz});
  ASSERT_EQ(given.size(), 4u);
  EXPECT_EQ(given[0].name, "tokens");
  EXPECT_EQ(given[0].source, npy);
  EXPECT_EQ(given[1].name, "ids");
  EXPECT_EQ(given[1].source, npz + ":ids");
  EXPECT_EQ(piu::read_given_inputs({npy})[0].name, "");
  expect_bad_input([&] { piu::read_given_inputs({npz, npz}); }, {"'ids'", "given twice"});
  expect_bad_input([&] { piu::read_given_inputs({"ids=" + npz}); }, {"names its inputs itself"});

  piu::check_given_input(info("ids", DType::kInt64, {-1, 3}, {"batch", ""}), given[1]);
  expect_bad_input([&] { piu::check_given_input(info("ids", DType::kInt32, {-1, 3}, {"batch", ""}), given[1]); },
                   {npz + ":ids", "'ids' is int64 2x3", "takes int32 [batch, 3]"});
  expect_bad_input([&] { piu::check_given_input(info("ids", DType::kInt64, {-1, 4}, {"batch", ""}), given[1]); },
                   {"takes int64 [batch, 4]"});
}

TEST(IndexInputRanges, AnInputIndexingATableIsBelowItsSize) {
  const std::string path = piu::test::model_path("cases/token_ids.onnx");
  PIU_REQUIRE_MODEL(path);
  const auto ranges = piu::index_input_ranges(piu::OnnxModel::load(path));
  ASSERT_EQ(ranges.size(), 1u) << "the mask indexes nothing";
  EXPECT_EQ(ranges[0].name, "ids");
  EXPECT_EQ(ranges[0].low, 0);
  EXPECT_EQ(ranges[0].high, 30);
}
