// piu export: TorchScript (torch.jit.trace / torch.jit.script output) to ONNX, natively in C++.
// The module is read through LibTorch (the torch plugin) and every aten op is converted by a small
// converter of its own (src/export/ops); dims given as -1 stay symbolic in the ONNX graph.
#pragma once

#include <string>
#include <vector>

#include "piu/onnx.hpp"
#include "piu/session.hpp"  // is_torchscript_path: which files export_torchscript reads

namespace piu {

struct ExportOptions {
  // One spec per input, in forward()'s order or by name: "input:-1x3x224x224" (-1 = dynamic); a
  // spec's dtype ("input_ids:-1x128:int64") types that input, which a TorchScript file does not
  // record (otherwise the export infers it from how the module reads the input).
  std::vector<ShapeSpec> input_shapes;
  // ONNX names of the inputs and outputs. Empty inputs: the name a named shape spec gives, else
  // forward()'s argument name ("input_ids"); a single argument called x, input or inputs is
  // "input", the seed's default. Empty outputs: "output" for one, "output_0"... for several (a
  // returned dict's keys).
  std::vector<std::string> input_names;
  std::vector<std::string> output_names;
  int opset = 11;                            // the seed's default opset_version
  bool constant_folding = true;              // the seed's do_constant_folding
  bool keep_initializers_as_inputs = false;  // as torch.onnx.export's option
};

struct UnsupportedOp {
  std::string kind;    // "aten::grid_sampler"
  std::string source;  // "model.py:42", or "" when TorchScript has no location
  std::string reason;  // what is missing
};

// A graph input of an export, and why it has its element type.
struct ExportedInput {
  std::string name;
  DType dtype = DType::kFloat32;
  std::string dtype_source;  // "given", "indices of aten::embedding (model.py:12)", "default ...", ...
  Shape shape;               // as given, -1 for dynamic dims
  std::vector<std::string> dim_names = {};  // the names --shape gave dims ("" where none), or empty
};

struct ExportReport {
  int64_t torch_nodes = 0;  // TorchScript nodes after lowering (constants excluded)
  int64_t onnx_nodes = 0;
  std::vector<std::string> torch_inputs;  // forward()'s argument names, in order
  std::vector<ExportedInput> inputs;       // the ONNX inputs, in the same order
  std::vector<UnsupportedOp> unsupported;  // filled before an export fails with kUnsupported
  // Wall seconds: loading LibTorch (the plugin, first export in a process only), reading and
  // lowering the TorchScript, converting, and finishing (folding, cleanup, shape inference).
  double load_s = 0, read_s = 0, convert_s = 0, finish_s = 0;
};

// Exports a TorchScript file. Every op without a converter is collected first: the export then
// fails (kUnsupported) with the whole list, each with its TorchScript source location, so one run
// shows everything that is missing. Throws kBadInput for files that are not TorchScript and for
// shape specs that do not fit the module's inputs, kUnsupported when piu was built without LibTorch.
OnnxModel export_torchscript(const std::string& path, const ExportOptions& options = {},
                             ExportReport* report = nullptr);

// The same for a TorchScript module held in memory (torch.jit.save into a buffer): nothing is read
// from disk, and messages name it by `module.name`.
OnnxModel export_torchscript(const ModelBytes& module, const ExportOptions& options = {},
                             ExportReport* report = nullptr);

// The aten/prim kinds that have a converter, sorted.
std::vector<std::string> supported_torch_ops();

}  // namespace piu
