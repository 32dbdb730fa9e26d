// The .npy parser shared by read_npy and read_npz (an .npz holds .npy files).
#pragma once

#include <cstdint>
#include <istream>
#include <string>

#include "piu/core.hpp"

namespace piu {

// Reads one .npy array of `size` bytes from `in`; messages name it `path`. Throws as read_npy.
Tensor read_npy_stream(std::istream& in, uint64_t size, const std::string& path);

}  // namespace piu
