// Issue 17: the one overflow-checked byte count, TensorProto dims against data, printable messages,
// regular files only, and zip CRCs.
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <limits>

#include "core/checked.hpp"
#include "core/zip.hpp"
#include "onnx/tensor_data.hpp"
#include "piu/jobs_session.hpp"
#include "piu/onnx.hpp"
#include "test_util.hpp"
#include "zip_test_util.hpp"

namespace {

using piu::test::expect_bad_input;
using piu::test::stored_zip;
constexpr int64_t kHuge = (int64_t{1} << 62) + 1;  // fits in int64; x4 bytes wraps 2^64

TEST(CheckedNbytes, CountsBytesAndRefusesOverflow) {
  EXPECT_EQ(piu::checked_nbytes(piu::DType::kFloat32, {2, 3}), 24u);
  EXPECT_EQ(piu::checked_nbytes(piu::DType::kFloat32, {}), 4u);
  EXPECT_EQ(piu::checked_nbytes(piu::DType::kInt64, {kHuge, 0}), 0u);  // empty, whatever the other dims
  expect_bad_input([] { piu::checked_nbytes(piu::DType::kFloat32, {kHuge}, "tensor 'w'"); },
                   {"tensor 'w'", "needs more than 2^63 bytes"});
  expect_bad_input([] { piu::checked_nbytes(piu::DType::kUInt8, {int64_t{1} << 32, int64_t{1} << 32}); }, {"2^63"});
  expect_bad_input(
      [] {
        piu::checked_nbytes(piu::DType::kFloat32, {-1, 3}, "input 'x'");
      },
      {"input 'x'", "dynamic dim"});
  expect_bad_input([] { piu::checked_nbytes(piu::DType::kFloat32, {-5}); }, {"negative dim"});
}

TEST(CheckedNbytes, TensorsRefuseBeforeAllocating) {
  expect_bad_input([] { piu::Tensor::zeros(piu::DType::kFloat32, {kHuge}); }, {"2^63"});
  float one = 1;
  expect_bad_input([&] { piu::Tensor::borrow(&one, piu::DType::kFloat32, {kHuge}); }, {"2^63"});
}

piu::onnx::TensorProto raw_tensor(const std::vector<int64_t>& dims, size_t raw_bytes) {
  piu::onnx::TensorProto t;
  t.set_name("w");
  t.set_data_type(piu::onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(std::string(raw_bytes, '\0'));
  return t;
}

TEST(CheckTensorData, DimsAgainstData) {
  piu::check_tensor_data(raw_tensor({2, 3}, 24));
  expect_bad_input([] { piu::check_tensor_data(raw_tensor({kHuge}, 4)); }, {"tensor 'w'", "2^63 bytes"});
  expect_bad_input([] { piu::check_tensor_data(raw_tensor({-2}, 0)); }, {"tensor 'w'", "negative dim"});
  expect_bad_input([] { piu::check_tensor_data(raw_tensor({3}, 8)); }, {"raw_data holds 8 bytes", "needs 12"});
  expect_bad_input([] { piu::tensor_from_proto(raw_tensor({int64_t{1} << 40}, 4)); }, {"raw_data holds 4 bytes"});
  piu::onnx::TensorProto typed;
  typed.set_name("t");
  typed.set_data_type(piu::onnx::TensorProto::INT64);
  typed.add_dims(3);
  typed.add_int64_data(7);
  expect_bad_input([&] { piu::check_tensor_data(typed); }, {"tensor 't'", "holds 1 values", "needs 3"});
  piu::onnx::TensorProto int4;  // two 4-bit values a byte
  int4.set_name("q");
  int4.set_data_type(piu::onnx::TensorProto::INT4);
  int4.add_dims(3);
  int4.set_raw_data(std::string(2, '\0'));
  piu::check_tensor_data(int4);
}

TEST(CheckTensorData, LoadRefusesTheModel) {
  piu::test::TempDir dir;
  piu::OnnxModel m;
  m.proto().set_ir_version(8);
  m.proto().add_opset_import()->set_version(17);
  *m.proto().mutable_graph()->add_initializer() = raw_tensor({kHuge}, 4);
  std::ofstream(dir / "bad.onnx", std::ios::binary) << m.proto().SerializeAsString();
  expect_bad_input([&] { piu::OnnxModel::load(dir / "bad.onnx"); }, {"bad.onnx", "tensor 'w'", "2^63"});
}

TEST(PrintableMessage, EscapesControlsAndCaps) {
  EXPECT_EQ(piu::printable_message("a\nb\x1b[2Jc\x7f"), "a\\x0ab\\x1b[2Jc\\x7f");
  EXPECT_EQ(piu::printable_message("caf\xc3\xa9 \xc2\x9b"), "caf\xc3\xa9 \\x9b");  // UTF-8 kept, C1 CSI escaped
  const std::string capped = piu::printable_message(std::string(5000, 'x'), 100);
  EXPECT_EQ(capped.size(), 100u);
  EXPECT_EQ(capped.substr(97), "...");
  EXPECT_EQ(piu::printable_message("short", 100), "short");
}

TEST(CheckRegularFile, RefusesFifosFoldersAndDevices) {
  piu::test::TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0600), 0);
  expect_bad_input([&] { piu::check_regular_file(dir / "pipe"); }, {"pipe", "FIFO"});
  expect_bad_input([&] { piu::check_regular_file(dir.path().string()); }, {"a folder"});
  expect_bad_input([] { piu::check_regular_file("/dev/null"); }, {"/dev/null", "character device"});
  try {
    piu::check_regular_file(dir / "absent");
    ADD_FAILURE() << "no error";
  } catch (const piu::Error& e) {
    EXPECT_EQ(e.code(), piu::ErrorCode::kIo);
  }
  // Readers go through it: a FIFO given as a .npy would block forever.
  expect_bad_input([&] { piu::read_npy(dir / "pipe"); }, {"FIFO"});
  expect_bad_input([&] { piu::read_npz(dir / "pipe"); }, {"FIFO"});
}

TEST(FileNameFor, IsOneToOne) {
  EXPECT_EQ(piu::file_name_for("a/b:0"), "a%2Fb%3A0");
  EXPECT_EQ(piu::file_name_for("a_b"), "a_b");
  EXPECT_EQ(piu::file_name_for("a%2Fb"), "a%252Fb");
  EXPECT_EQ(piu::file_name_for(".."), "%2E.");
  EXPECT_EQ(piu::file_name_for("logits.1"), "logits.1");
  EXPECT_EQ(piu::file_name_for(""), "%");
}

TEST(ZipCrc, EveryEntryIsChecked) {
  const piu::ZipSource source{"m.pt", "TorchScript archive"};
  piu::check_zip_crcs(stored_zip("m/data/0", "hello", 0x3610a686), source);  // crc32("hello")
  expect_bad_input([&] { piu::check_zip_crcs(stored_zip("m/data/0", "hellp", 0x3610a686), source); },
                   {"m.pt", "TorchScript archive", "'m/data/0'", "CRC"});
  piu::test::TempDir dir;
  std::ofstream(dir / "bad.pt", std::ios::binary) << stored_zip("m/data/0", "hellp", 0x3610a686);
  expect_bad_input([&] { piu::check_zip_file_crcs({dir / "bad.pt", "TorchScript archive"}); }, {"bad.pt", "CRC"});
}

}  // namespace
