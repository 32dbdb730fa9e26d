// Pickle opcode streams walked before an unpickler sees them (see pickle_check.hpp). The opcodes and
// their arguments are those of the pickle protocol (Python's Lib/pickletools.py documents them);
// this walker only measures arguments, it builds no objects.
#include "core/pickle_check.hpp"

#include <array>
#include <cstdint>

#include "piu/core.hpp"

namespace piu {

namespace {

// How an opcode's argument is laid out after the opcode byte; `width` bytes of it are fixed.
enum class Arg : uint8_t {
  kUnknown,       // not an opcode
  kFixed,         // `width` bytes (0 for none: MARK, STOP, ...; 1 for BININT1, BINPUT, PROTO, ...)
  kMemo,          // a `width`-byte memo index (LONG_BINPUT, LONG_BINGET)
  kLength,        // an unsigned `width`-byte length, then that many bytes (BINUNICODE, BINBYTES8, ...)
  kSignedLength,  // a signed 4-byte length, then that many bytes (BINSTRING, LONG4): negative is invalid
  kFrame,         // FRAME: an 8-byte length of the frame whose opcodes follow
  kLines,         // `width` newline-ended text lines (INT, GLOBAL, ...)
};

struct Opcode {
  const char* name = nullptr;
  Arg arg = Arg::kUnknown;
  uint8_t width = 0;
};

constexpr std::array<Opcode, 256> make_opcodes() {
  std::array<Opcode, 256> t{};
  auto set = [&t](unsigned char code, const char* name, Arg arg, uint8_t width) { t[code] = {name, arg, width}; };
  // Protocol 0 and 1.
  set('(', "MARK", Arg::kFixed, 0);
  set('.', "STOP", Arg::kFixed, 0);
  set('0', "POP", Arg::kFixed, 0);
  set('1', "POP_MARK", Arg::kFixed, 0);
  set('2', "DUP", Arg::kFixed, 0);
  set('F', "FLOAT", Arg::kLines, 1);
  set('I', "INT", Arg::kLines, 1);
  set('J', "BININT", Arg::kFixed, 4);
  set('K', "BININT1", Arg::kFixed, 1);
  set('L', "LONG", Arg::kLines, 1);
  set('M', "BININT2", Arg::kFixed, 2);
  set('N', "NONE", Arg::kFixed, 0);
  set('P', "PERSID", Arg::kLines, 1);
  set('Q', "BINPERSID", Arg::kFixed, 0);
  set('R', "REDUCE", Arg::kFixed, 0);
  set('S', "STRING", Arg::kLines, 1);
  set('T', "BINSTRING", Arg::kSignedLength, 4);
  set('U', "SHORT_BINSTRING", Arg::kLength, 1);
  set('V', "UNICODE", Arg::kLines, 1);
  set('X', "BINUNICODE", Arg::kLength, 4);
  set('a', "APPEND", Arg::kFixed, 0);
  set('b', "BUILD", Arg::kFixed, 0);
  set('c', "GLOBAL", Arg::kLines, 2);
  set('d', "DICT", Arg::kFixed, 0);
  set('}', "EMPTY_DICT", Arg::kFixed, 0);
  set('e', "APPENDS", Arg::kFixed, 0);
  set('g', "GET", Arg::kLines, 1);
  set('h', "BINGET", Arg::kFixed, 1);
  set('i', "INST", Arg::kLines, 2);
  set('j', "LONG_BINGET", Arg::kMemo, 4);
  set('l', "LIST", Arg::kFixed, 0);
  set(']', "EMPTY_LIST", Arg::kFixed, 0);
  set('o', "OBJ", Arg::kFixed, 0);
  set('p', "PUT", Arg::kLines, 1);
  set('q', "BINPUT", Arg::kFixed, 1);
  set('r', "LONG_BINPUT", Arg::kMemo, 4);
  set('s', "SETITEM", Arg::kFixed, 0);
  set('t', "TUPLE", Arg::kFixed, 0);
  set(')', "EMPTY_TUPLE", Arg::kFixed, 0);
  set('u', "SETITEMS", Arg::kFixed, 0);
  set('G', "BINFLOAT", Arg::kFixed, 8);
  // Protocol 2.
  set(0x80, "PROTO", Arg::kFixed, 1);
  set(0x81, "NEWOBJ", Arg::kFixed, 0);
  set(0x82, "EXT1", Arg::kFixed, 1);
  set(0x83, "EXT2", Arg::kFixed, 2);
  set(0x84, "EXT4", Arg::kFixed, 4);
  set(0x85, "TUPLE1", Arg::kFixed, 0);
  set(0x86, "TUPLE2", Arg::kFixed, 0);
  set(0x87, "TUPLE3", Arg::kFixed, 0);
  set(0x88, "NEWTRUE", Arg::kFixed, 0);
  set(0x89, "NEWFALSE", Arg::kFixed, 0);
  set(0x8a, "LONG1", Arg::kLength, 1);
  set(0x8b, "LONG4", Arg::kSignedLength, 4);
  // Protocol 3.
  set('B', "BINBYTES", Arg::kLength, 4);
  set('C', "SHORT_BINBYTES", Arg::kLength, 1);
  // Protocol 4.
  set(0x8c, "SHORT_BINUNICODE", Arg::kLength, 1);
  set(0x8d, "BINUNICODE8", Arg::kLength, 8);
  set(0x8e, "BINBYTES8", Arg::kLength, 8);
  set(0x8f, "EMPTY_SET", Arg::kFixed, 0);
  set(0x90, "ADDITEMS", Arg::kFixed, 0);
  set(0x91, "FROZENSET", Arg::kFixed, 0);
  set(0x92, "NEWOBJ_EX", Arg::kFixed, 0);
  set(0x93, "STACK_GLOBAL", Arg::kFixed, 0);
  set(0x94, "MEMOIZE", Arg::kFixed, 0);
  set(0x95, "FRAME", Arg::kFrame, 8);
  // Protocol 5.
  set(0x96, "BYTEARRAY8", Arg::kLength, 8);
  set(0x97, "NEXT_BUFFER", Arg::kFixed, 0);
  set(0x98, "READONLY_BUFFER", Arg::kFixed, 0);
  return t;
}

constexpr std::array<Opcode, 256> kOpcodes = make_opcodes();
constexpr unsigned kHighestProtocol = 5;

// Little-endian unsigned integer of `count` bytes at `pos` (the caller checked they are there).
uint64_t little_endian(std::string_view bytes, size_t pos, size_t count) {
  uint64_t value = 0;
  for (size_t i = count; i-- > 0;) value = (value << 8) | static_cast<uint8_t>(bytes[pos + i]);
  return value;
}

std::string hex_byte(uint8_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[value >> 4] + kDigits[value & 15];
}

}  // namespace

std::string pickle_problem(std::string_view pickle) {
  size_t pos = 0;
  while (pos < pickle.size()) {
    const size_t at = pos;
    const auto code = static_cast<uint8_t>(pickle[pos++]);
    const Opcode& op = kOpcodes[code];
    if (op.arg == Arg::kUnknown) return "unknown pickle opcode " + hex_byte(code) + " at byte " + std::to_string(at);
    // Messages are built only for a problem: a pickle has an opcode every few bytes.
    auto where = [&] { return std::string(op.name) + " at byte " + std::to_string(at); };
    if (op.arg == Arg::kLines) {
      for (int line = 0; line < op.width; ++line) {
        const size_t end = pickle.find('\n', pos);
        if (end == std::string_view::npos) return where() + " has no newline ending its argument";
        pos = end + 1;
      }
      continue;
    }
    const size_t left = pickle.size() - pos;
    if (left < op.width) return where() + " is cut short";
    const uint64_t value = little_endian(pickle, pos, op.width);
    pos += op.width;
    auto past_the_end = [&] {
      return ", past the end of the pickle (" + std::to_string(left - op.width) + " bytes left)";
    };
    switch (op.arg) {
      case Arg::kFixed:
        if (code == 0x80 && value > kHighestProtocol)  // PROTO
          return where() + " states protocol " + std::to_string(value) + " (at most " +
                 std::to_string(kHighestProtocol) + ")";
        break;
      case Arg::kMemo:
        // Memo indices count PUTs, each at least two bytes: a larger one is a lie (LibTorch reserves
        // memo room for twice the index).
        if (value >= pickle.size())
          return where() + " states memo index " + std::to_string(value) + " in a pickle of " +
                 std::to_string(pickle.size()) + " bytes";
        break;
      case Arg::kSignedLength:
        if ((value & 0x80000000u) != 0)
          return where() + " states a negative length (" + std::to_string(static_cast<int32_t>(value)) + ")";
        [[fallthrough]];
      case Arg::kLength:
        if (value > left - op.width) return where() + " states " + std::to_string(value) + " bytes" + past_the_end();
        pos += static_cast<size_t>(value);
        break;
      case Arg::kFrame:  // the frame's opcodes follow and are walked as any others
        if (value > left - op.width)
          return where() + " states a frame of " + std::to_string(value) + " bytes" + past_the_end();
        break;
      case Arg::kUnknown:
      case Arg::kLines:
        break;
    }
    if (code == '.') return "";  // STOP
  }
  return "ends at byte " + std::to_string(pickle.size()) + " without STOP";
}

void check_archive_pickles(std::string_view archive, const ZipSource& source) {
  for (const ZipEntry& entry : zip_entries(archive, source)) {
    if (!std::string_view(entry.name).ends_with("pkl")) continue;
    const std::string problem = pickle_problem(zip_entry_bytes(archive, entry, source));
    if (!problem.empty())
      throw Error(ErrorCode::kBadInput,
                  source.path + ": not a valid " + source.kind + ": entry '" + entry.name + "': " + problem);
  }
}

}  // namespace piu
