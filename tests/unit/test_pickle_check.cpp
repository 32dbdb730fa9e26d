// pickle_problem and check_archive_pickles (src/core/pickle_check.cpp): every protocol's opcodes
// accepted, stated lengths past the end refused (fuzz finding #9), and every real TorchScript
// archive of the test models accepted.
#include <filesystem>
#include <string>
#include <vector>

#include "core/pickle_check.hpp"
#include "core/zip.hpp"
#include "test_util.hpp"
#include "zip_test_util.hpp"

namespace {

using piu::pickle_problem;
using piu::test::expect_bad_input;
using namespace std::string_literals;

// obj = {'a': [1, -300, 70000, 2**70, 2.5, 'x\u00e9', b'y', None, True, (1, 2, 3)]}, with
// obj['s'] = frozenset([1]) from protocol 4 and obj['c'] = bytearray(b'q') in protocol 5.
std::vector<std::string> python_pickles() {
  return {
      // pickle.dumps(obj, protocol=0)
      std::string("\x28\x64\x70\x30\x0a\x56\x61\x0a\x70\x31\x0a\x28\x6c\x70\x32\x0a\x49\x31\x0a\x61\x49\x2d\x33\x30"
                  "\x30\x0a\x61\x49\x37\x30\x30\x30\x30\x0a\x61\x4c\x31\x31\x38\x30\x35\x39\x31\x36\x32\x30\x37\x31"
                  "\x37\x34\x31\x31\x33\x30\x33\x34\x32\x34\x4c\x0a\x61\x46\x32\x2e\x35\x0a\x61\x56\x78\xe9\x0a\x70"
                  "\x33\x0a\x61\x63\x5f\x63\x6f\x64\x65\x63\x73\x0a\x65\x6e\x63\x6f\x64\x65\x0a\x70\x34\x0a\x28\x56"
                  "\x79\x0a\x70\x35\x0a\x56\x6c\x61\x74\x69\x6e\x31\x0a\x70\x36\x0a\x74\x70\x37\x0a\x52\x70\x38\x0a"
                  "\x61\x4e\x61\x49\x30\x31\x0a\x61\x28\x49\x31\x0a\x49\x32\x0a\x49\x33\x0a\x74\x70\x39\x0a\x61\x73"
                  "\x2e",
                  145),
      // pickle.dumps(obj, protocol=2)
      std::string("\x80\x02\x7d\x71\x00\x58\x01\x00\x00\x00\x61\x71\x01\x5d\x71\x02\x28\x4b\x01\x4a\xd4\xfe\xff\xff"
                  "\x4a\x70\x11\x01\x00\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x40\x47\x40\x04\x00\x00\x00\x00\x00"
                  "\x00\x58\x03\x00\x00\x00\x78\xc3\xa9\x71\x03\x63\x5f\x63\x6f\x64\x65\x63\x73\x0a\x65\x6e\x63\x6f"
                  "\x64\x65\x0a\x71\x04\x58\x01\x00\x00\x00\x79\x71\x05\x58\x06\x00\x00\x00\x6c\x61\x74\x69\x6e\x31"
                  "\x71\x06\x86\x71\x07\x52\x71\x08\x4e\x88\x4b\x01\x4b\x02\x4b\x03\x87\x71\x09\x65\x73\x2e",
                  118),
      // pickle.dumps(obj, protocol=4)
      std::string("\x80\x04\x95\x4a\x00\x00\x00\x00\x00\x00\x00\x7d\x94\x28\x8c\x01\x61\x94\x5d\x94\x28\x4b\x01\x4a"
                  "\xd4\xfe\xff\xff\x4a\x70\x11\x01\x00\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x40\x47\x40\x04\x00"
                  "\x00\x00\x00\x00\x00\x8c\x03\x78\xc3\xa9\x94\x43\x01\x79\x94\x4e\x88\x4b\x01\x4b\x02\x4b\x03\x87"
                  "\x94\x65\x8c\x01\x73\x94\x28\x4b\x01\x91\x94\x75\x2e",
                  85),
      // pickle.dumps(obj, protocol=5)
      std::string("\x80\x05\x95\x59\x00\x00\x00\x00\x00\x00\x00\x7d\x94\x28\x8c\x01\x61\x94\x5d\x94\x28\x4b\x01\x4a"
                  "\xd4\xfe\xff\xff\x4a\x70\x11\x01\x00\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x40\x47\x40\x04\x00"
                  "\x00\x00\x00\x00\x00\x8c\x03\x78\xc3\xa9\x94\x43\x01\x79\x94\x4e\x88\x4b\x01\x4b\x02\x4b\x03\x87"
                  "\x94\x65\x8c\x01\x73\x94\x28\x4b\x01\x91\x94\x8c\x01\x63\x94\x96\x01\x00\x00\x00\x00\x00\x00\x00"
                  "\x71\x94\x75\x2e",
                  100),
  };
}

TEST(PickleCheck, AcceptsPythonPicklesOfEveryProtocol) {
  for (const std::string& pickle : python_pickles()) EXPECT_EQ(pickle_problem(pickle), "") << pickle.size();
  EXPECT_EQ(pickle_problem("\x80\x02}q\x00.trailing bytes are not read"s), "");
}

TEST(PickleCheck, RefusesStatedLengthsPastTheEnd) {
  // BINUNICODE stating 3,200,000,000 bytes (0xbebc2000), as in fuzz/crashes/torchscript/libtorch_unpickler_*.
  EXPECT_EQ(pickle_problem("\x80\x02X\x00\x20\xbc\xbe"
                           "ab."s),
            "BINUNICODE at byte 2 states 3200000000 bytes, past the end of the pickle (3 bytes left)");
  EXPECT_EQ(pickle_problem("\x80\x02\x8c\x05"
                           "ab."s),
            "SHORT_BINUNICODE at byte 2 states 5 bytes, past the end of the pickle (3 bytes left)");
  EXPECT_EQ(pickle_problem("\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\xff."s),
            "BINBYTES8 at byte 2 states 18446744073709551615 bytes, past the end of the pickle (1 bytes left)");
  EXPECT_EQ(pickle_problem("\x80\x02T\xfe\xff\xff\xff."s), "BINSTRING at byte 2 states a negative length (-2)");
  EXPECT_EQ(pickle_problem("\x80\x02\x8b\x10\x00\x00\x00\x01."s),
            "LONG4 at byte 2 states 16 bytes, past the end of the pickle (2 bytes left)");
  EXPECT_EQ(pickle_problem("\x80\x04\x95\x40\x00\x00\x00\x00\x00\x00\x00N."s),
            "FRAME at byte 2 states a frame of 64 bytes, past the end of the pickle (2 bytes left)");
  EXPECT_EQ(pickle_problem("\x80\x02Nr\xff\xff\xff\x7f."s),
            "LONG_BINPUT at byte 3 states memo index 2147483647 in a pickle of 9 bytes");
}

TEST(PickleCheck, RefusesUnknownOpcodesAndCutArguments) {
  EXPECT_EQ(pickle_problem("\x80\x02\xff."s), "unknown pickle opcode 0xff at byte 2");
  EXPECT_EQ(pickle_problem("\x80\x06N."s), "PROTO at byte 0 states protocol 6 (at most 5)");
  EXPECT_EQ(pickle_problem("\x80\x02J\x01\x00"s), "BININT at byte 2 is cut short");
  EXPECT_EQ(pickle_problem("\x80\x02X\x01\x00"s), "BINUNICODE at byte 2 is cut short");
  EXPECT_EQ(pickle_problem("\x80\x02"
                           "ctorch\nTensor"s),
            "GLOBAL at byte 2 has no newline ending its argument");
  EXPECT_EQ(pickle_problem("\x80\x02N"s), "ends at byte 3 without STOP");
  EXPECT_EQ(pickle_problem(""), "ends at byte 0 without STOP");
}

// A one-entry stored zip archive holding `content`.
std::string stored_zip(const std::string& name, const std::string& content) {
  return piu::test::stored_zip(name, content, piu::test::zip_crc32(content));
}

TEST(PickleCheck, ArchiveEntriesEndingInPklAreChecked) {
  const piu::ZipSource source{"m.pt", "TorchScript archive"};
  const std::string lie =
      "\x80\x02X\x00\x20\xbc\xbe"
      "ab."s;
  piu::check_archive_pickles(stored_zip("m/data/0", lie), source);  // tensor data, not a pickle
  piu::check_archive_pickles(stored_zip("m/data.pkl", "\x80\x02}q\x00."s), source);
  expect_bad_input([&] { piu::check_archive_pickles(stored_zip("m/data.pkl", lie), source); },
                   {"m.pt: not a valid TorchScript archive: entry 'm/data.pkl': BINUNICODE at byte 2 states "
                    "3200000000 bytes"});
  expect_bad_input([&] { piu::check_archive_pickles(stored_zip("m/code/m.py.debug_pkl", lie), source); },
                   {"'m/code/m.py.debug_pkl'", "BINUNICODE"});
}

// Every TorchScript archive the test models hold (torch.jit.save, traced and scripted): accepted.
TEST(PickleCheck, AcceptsEveryTestTorchScriptArchive) {
  const std::filesystem::path dir = piu::test::models_dir();
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "missing " << dir << ": run scripts/models.sh";
  int archives = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".pt") continue;
    const piu::ZipSource source{entry.path().string(), "TorchScript archive"};
    std::string bytes = piu::read_file(source.path);
    if (bytes.rfind("PK", 0) != 0) continue;  // not a zip archive
    EXPECT_NO_THROW(piu::check_archive_pickles(bytes, source)) << source.path;
    ++archives;
  }
  if (archives == 0) GTEST_SKIP() << "no .pt archives in " << dir;
  RecordProperty("archives", archives);
}

}  // namespace
