// A TorchScript graph free of torch types, between the torch backend and the exporter: the torch
// plugin's reader (src/backends/torch/torchscript_reader.cpp) lowers a module to this, and the
// exporter's converters (src/export/ops/*.cpp) turn it into ONNX inside libpiu, so adding a
// converter never recompiles against LibTorch headers. Neither side includes the other's headers;
// both include this one.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "piu/core.hpp"

namespace piu::ir {

// The TorchScript type of a value, as far as the converters care.
enum class IrType { kTensor, kInt, kFloat, kBool, kIntList, kFloatList, kBoolList, kTensorList, kNone, kString, kDevice,
                    kOther };

struct IrValue {
  std::string name;  // TorchScript's debug name ("input.5"), for messages and ONNX names
  IrType type = IrType::kOther;
  std::string type_str;  // TorchScript's spelling ("Tensor", "int[]", "Dict(str, Tensor)") for errors
  // A tensor's element type where the graph records one (a trace in memory does; a saved file's
  // forward() declares only "Tensor").
  std::optional<DType> dtype;
  // Constants (prim::Constant, frozen parameters, lists of constants): exactly one is set.
  std::optional<Tensor> tensor;
  std::optional<std::vector<Tensor>> tensors;  // Tensor[] (an RNN's weights), Tensor?[] (undefined = None)
  std::optional<std::vector<int64_t>> ints;   // int, bool (0/1), int[], bool[]
  std::optional<std::vector<double>> floats;  // float, float[]
  std::optional<std::string> str;             // str, Device ("cpu")
  bool none = false;                          // the constant None
  bool constant() const { return tensor || tensors || ints || floats || str || none; }
  // Forgets the constant value (the value is computed again, or bound to an ONNX value).
  void clear_constant() {
    tensor.reset();
    tensors.reset();
    ints.reset();
    floats.reset();
    str.reset();
    none = false;
  }
};

struct IrBlock;

struct IrNode {
  std::string kind;  // "aten::_convolution", "prim::ListConstruct", ...
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::string source;  // "model.py:12" (the Python source when the file keeps it, else TorchScript's code)
  // prim::GetAttr / prim::SetAttr: the attribute's path ("self.state"); prim::CallMethod: the method.
  std::string attribute;
  // Sub-blocks: prim::If's then/else branches, prim::Loop's body (control flow in scripted code).
  std::vector<IrBlock> blocks;
};

// A sub-block: its parameters (a loop body's iteration count and carried values), its nodes, and
// the values it returns. Its nodes may read any value defined before the node that owns it.
struct IrBlock {
  std::vector<int> inputs;
  std::vector<IrNode> nodes;
  std::vector<int> outputs;
};

struct IrGraph {
  std::vector<IrValue> values;
  std::vector<IrNode> nodes;  // topological order; constants are values, not nodes
  std::vector<int> inputs;    // the forward() arguments after `self`
  std::vector<int> outputs;   // a returned tuple or dict is flattened
  std::vector<std::string> output_names;  // a returned dict's keys; "" where the output has no name
};

// Reads a TorchScript file into an IrGraph: load, eval, freeze (parameters become constants),
// inline calls, resolve the module attributes freezing left (or all of them when LibTorch cannot
// freeze the module), remove mutation and aliasing where LibTorch can, lower tuples, propagate
// constants, drop dead code. Reads `bytes` when given (`path` then only names them). Throws
// kBadInput for files that are not TorchScript, and kUnsupported naming the construct and its
// source location when a graph cannot be represented here.
using TorchScriptReader = std::function<IrGraph(const std::string& path, const std::string* bytes)>;

// The torch plugin registers its reader when it loads; returns true for a static registrar
// (src/ir/reader_registry.cpp).
bool register_torchscript_reader(TorchScriptReader reader);
// Loads the torch plugin if needed and returns its reader; throws kUnsupported when piu was built
// without LibTorch.
const TorchScriptReader& torchscript_reader();

}  // namespace piu::ir
