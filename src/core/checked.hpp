// The checks every reader of sizes and files shares (issue 17): one overflow-checked byte count for
// tensors, one test that a user-named path is a regular file. Internal to libpiu.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "piu/core.hpp"

namespace piu {

// Bytes of a tensor of `dtype` and `shape`: the one overflow-checked count x element size that every
// allocation, view and read of tensor bytes goes through. Throws kBadInput naming `what` (e.g.
// "tensor 'w'") when a dim is negative or dynamic or the bytes do not fit in int64.
size_t checked_nbytes(DType dtype, const Shape& shape, std::string_view what = "tensor");

// Every reader of a file a user names (models, inputs, data items, caches, images) calls this before
// opening it: kIo "cannot read PATH: no such file" when it is missing, kBadInput naming the path when
// it is a folder, a FIFO, a device or a socket (a FIFO would block the reader forever).
void check_regular_file(const std::string& path);

// A message as one printable line, whatever input data it quotes: control characters (newlines,
// ESC, C1 controls) become \xNN and the text is cut at `max_length` bytes with "...". The CLI prints
// every error through it (one error line quoting a file was 1 MB long).
std::string printable_message(std::string_view message, size_t max_length = 1000);

}  // namespace piu
