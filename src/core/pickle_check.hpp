// Checking pickles before LibTorch's unpickler reads them. LibTorch 1.13 allocates what a pickle's
// opcode says it will read before reading it (a 2.3 KB archive stating a 3.2 GB string: fuzz
// finding #9, docs/reliability.md); piu walks every opcode first and refuses stated lengths past the
// entry's end. Internal to libpiu; no LibTorch needed.
#pragma once

#include <string>
#include <string_view>

#include "core/zip.hpp"

namespace piu {

// The first problem of a pickle's opcode stream (protocols 0 to 5, Python's pickletools opcode
// table), as one line naming the opcode and its byte offset, or "" when there is none. Problems: an
// unknown opcode or protocol, an argument cut short, a length-prefixed argument (strings, bytes,
// LONG1/LONG4, FRAME) or newline-ended argument running past the end, a negative length, a memo
// index (LONG_BINPUT/LONG_BINGET) no pickle of this size can reach, no STOP. Bytes after STOP are
// not read (nor are they by an unpickler).
std::string pickle_problem(std::string_view pickle);

// pickle_problem for every pickle of a zip archive: the entries whose names end in "pkl" (data.pkl,
// constants.pkl, code/*.debug_pkl as torch.jit.save writes them). Throws kBadInput
// "PATH: not a valid KIND: entry 'NAME': problem"; the zip's own errors as zip_entry_bytes does.
void check_archive_pickles(std::string_view archive, const ZipSource& source);

}  // namespace piu
