// Whether a TensorProto's dims describe its data; internal to libpiu.
#pragma once

#include "piu/onnx.hpp"

namespace piu {

// Checks that a tensor's dims describe its data: no negative dim, a byte count that fits in int64
// (checked_nbytes), and raw_data or the typed field holding exactly what the dims and data type need.
// Throws kBadInput naming the tensor. Tensors with external data have only their dims checked here
// (their bytes where they are read). OnnxModel::load runs it on every tensor and tensor_from_proto
// on its own, so nothing sized by a bad header is ever allocated.
void check_tensor_data(const onnx::TensorProto& proto);

}  // namespace piu
