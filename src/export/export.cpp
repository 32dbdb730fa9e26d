// The export driver: TorchScript -> IR (the torch plugin's reader) -> ONNX, in five steps, each a
// function below: bind inputs (names, shapes), check coverage (every op has a converter), convert
// (the converters, through ExportState), bind outputs, finish (cleanup, folding, shape inference).
// The registry, the state, the converters' context and their helpers live in their own files.
#include "piu/export.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>

#include "export/export_state.hpp"
#include "export/input_types.hpp"
#include "piu/passes.hpp"
#include "piu/simplify.hpp"

namespace piu {

namespace {

using exporter::ConvertStatus;
using exporter::ExportState;
using exporter::IrGraph;
using exporter::IrType;

// The IR version ONNX Runtime expects with each opset (the ONNX release that introduced it).
int64_t ir_version_for(int opset) {
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 17) return 8;
  if (opset <= 20) return 9;
  return 10;
}

// One entry per kind and reason: "aten::transpose (16 uses, first at model.py:53): no converter".
std::string unsupported_message(const std::string& path, const std::vector<UnsupportedOp>& ops) {
  std::vector<std::pair<std::string, std::vector<const UnsupportedOp*>>> groups;
  for (const auto& op : ops) {
    const std::string key = op.kind + "\n" + op.reason;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == key; });
    if (it == groups.end()) groups.push_back({key, {&op}});
    else it->second.push_back(&op);
  }
  std::string s = path + ": " + std::to_string(groups.size()) + " op(s) cannot be exported yet: ";
  for (size_t i = 0; i < groups.size(); ++i) {
    const auto& uses = groups[i].second;
    const UnsupportedOp& first = *uses.front();
    std::string where = uses.size() > 1 ? std::to_string(uses.size()) + " uses" : "";
    if (!first.source.empty()) where += (where.empty() ? "at " : ", first at ") + first.source;
    s += (i ? "; " : "") + first.kind + (where.empty() ? "" : " (" + where + ")") + ": " + first.reason;
  }
  return s;
}

// Wall seconds between laps, for the report.
class Stopwatch {
 public:
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Ends an export that found ops it cannot convert: the report is handed out, then kUnsupported.
[[noreturn]] void fail_unsupported(const std::string& path, const ExportReport& report, ExportReport* report_out) {
  if (report_out) *report_out = report;
  throw Error(ErrorCode::kUnsupported, unsupported_message(path, report.unsupported));
}

// For converter authors: PIU_EXPORT_DUMP=file.onnx writes the graph as it stands.
void dump_if_asked(const onnx::ModelProto& proto) {
  if (const char* dump = std::getenv("PIU_EXPORT_DUMP")) {
    std::ofstream f(dump, std::ios::binary);
    proto.SerializeToOstream(&f);
  }
}

// The ONNX side of forward()'s arguments: a name, a shape spec and an element type for each.
struct Inputs {
  std::vector<std::string> arg_names;  // TorchScript's names
  std::vector<std::string> names;      // ONNX names
  std::vector<const ShapeSpec*> shapes;
  std::vector<exporter::InputType> types;
};

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& a : names) s += (s.empty() ? "" : ", ") + a;
  return s;
}

// The default ONNX name of argument `arg` of `count`: forward()'s own name, except that a single
// argument with a generic name (x, input, inputs) is "input", the seed's default.
std::string default_input_name(const std::string& arg, size_t count) {
  if (count == 1 && (arg == "x" || arg == "input" || arg == "inputs" || arg.empty())) return "input";
  return arg.empty() ? "input_" + std::to_string(count) : arg;
}

// Step 1a: names the inputs (--input-names, else the name a --shape gave, else forward()'s own),
// gives each its shape spec (by position or by name) and its element type; throws kBadInput naming
// forward()'s arguments when they do not fit.
Inputs match_inputs(const IrGraph& ir, const ExportOptions& options, const std::string& path) {
  Inputs in;
  const size_t n_in = ir.inputs.size();
  for (int i : ir.inputs) in.arg_names.push_back(ir.values[i].name);
  const std::string takes = path + ": forward() takes " + std::to_string(n_in) + " input(s) (" + joined(in.arg_names) + "), ";
  std::vector<std::string> defaults;
  for (size_t i = 0; i < n_in; ++i) defaults.push_back(default_input_name(in.arg_names[i], n_in));
  in.names = options.input_names;
  if (!in.names.empty() && in.names.size() != n_in)
    throw Error(ErrorCode::kBadInput, takes + std::to_string(in.names.size()) + " input name(s) given");
  in.shapes.assign(n_in, nullptr);
  size_t positional = 0;
  for (const auto& s : options.input_shapes) {
    if (s.name.empty()) {
      if (positional >= n_in) throw Error(ErrorCode::kBadInput, takes + "more shapes were given");
      in.shapes[positional++] = &s;
      continue;
    }
    size_t k = n_in;
    for (size_t i = 0; i < n_in; ++i)
      if ((!in.names.empty() && in.names[i] == s.name) || defaults[i] == s.name || in.arg_names[i] == s.name) k = i;
    if (k == n_in)
      throw Error(ErrorCode::kBadInput,
                  path + ": no input named '" + s.name + "' (inputs: " + joined(in.arg_names) + ")");
    in.shapes[k] = &s;
  }
  static const ShapeSpec kScalar;  // a number argument is a 0-d tensor; its shape may be left out
  for (size_t i = 0; i < n_in; ++i) {
    const IrType type = ir.values[ir.inputs[i]].type;
    if (type != IrType::kInt && type != IrType::kFloat && type != IrType::kBool) continue;
    if (in.shapes[i] && shape_numel(in.shapes[i]->shape) != 1)
      throw Error(ErrorCode::kBadInput, path + ": input '" + in.arg_names[i] + "' is a number (" +
                                            ir.values[ir.inputs[i]].type_str + "); it takes no shape");
    in.shapes[i] = &kScalar;
  }
  if (in.names.empty())
    for (size_t i = 0; i < n_in; ++i) in.names.push_back(in.shapes[i] && !in.shapes[i]->name.empty() ? in.shapes[i]->name : defaults[i]);
  for (size_t i = 0; i < n_in; ++i) {
    if (!in.shapes[i])
      throw Error(ErrorCode::kBadInput, path + ": give the shape of input '" + in.arg_names[i] + "' (e.g. --shape " +
                                            in.names[i] + ":-1x3x224x224, -1 = dynamic)");
    for (size_t j = 0; j < i; ++j)
      if (in.names[j] == in.names[i])
        throw Error(ErrorCode::kBadInput, path + ": two inputs named '" + in.names[i] + "'; give --input-names");
  }
  std::vector<std::optional<DType>> stated;
  for (const ShapeSpec* s : in.shapes) stated.push_back(s->dtype);
  in.types = exporter::input_types(ir, stated);
  for (size_t i = 0; i < n_in; ++i) {  // a number argument (`sr: int`) is a 0-d tensor of its own type
    const IrType type = ir.values[ir.inputs[i]].type;
    if (type == IrType::kInt) in.types[i] = {DType::kInt64, "a number argument (int)"};
    if (type == IrType::kFloat) in.types[i] = {DType::kFloat32, "a number argument (float)"};
    if (type == IrType::kBool) in.types[i] = {DType::kBool, "a number argument (bool)"};
  }
  return in;
}

// Step 1b: declares the graph inputs (dynamic dims are symbolic: the name --shape gave, else
// "batch" for the first and <input>_dim<d> for the others) and binds forward()'s arguments to them.
void bind_inputs(ExportState& state, const Inputs& in) {
  const IrGraph& ir = state.ir;
  for (size_t i = 0; i < in.names.size(); ++i) {
    auto* v = state.graph.add_input();
    v->set_name(in.names[i]);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    const int32_t type = dtype_to_onnx(in.types[i].dtype);
    tt->set_elem_type(type);
    const Shape& shape = in.shapes[i]->shape;
    const auto& dim_names = in.shapes[i]->dim_names;
    tt->mutable_shape();  // a 0-d input (a number argument) has a shape with no dims
    for (size_t d = 0; d < shape.size(); ++d) {
      auto* dim = tt->mutable_shape()->add_dim();
      if (shape[d] >= 0)
        dim->set_dim_value(shape[d]);
      else if (d < dim_names.size() && !dim_names[d].empty())
        dim->set_dim_param(dim_names[d]);
      else
        dim->set_dim_param(d == 0 ? "batch" : in.names[i] + "_dim" + std::to_string(d));
    }
    auto& r = state.repr[ir.inputs[i]];
    r.onnx = in.names[i];
    r.elem = type;
    r.rank = static_cast<int64_t>(shape.size());
  }
}

// Step 2: every top-level op without a converter, with its location, before anything is converted.
// (Ops inside branches and loop bodies are looked up when a branch is taken or a body unrolled: an
// untaken branch may hold what cannot be exported, like the `raise` of a shape check.)
std::vector<UnsupportedOp> missing_converters(const IrGraph& ir) {
  std::vector<UnsupportedOp> missing;
  std::set<std::string> seen;
  for (const auto& n : ir.nodes)
    if (!exporter::find_converter(n.kind) && seen.insert(n.kind + "@" + n.source).second)
      missing.push_back({n.kind, n.source, "no converter"});
  return missing;
}

// The outputs' ONNX names: the options', else a returned dict's keys when they are usable names,
// else "output" / "output_<i>". Throws kBadInput when the count does not fit.
std::vector<std::string> output_names(const IrGraph& ir, const ExportOptions& options, const Inputs& in,
                                      const std::string& path) {
  std::vector<std::string> names = options.output_names;
  const size_t n_out = ir.outputs.size();
  if (names.empty()) {
    std::set<std::string> keys;
    bool named = true;
    for (size_t i = 0; i < n_out; ++i) {
      const std::string key = i < ir.output_names.size() ? ir.output_names[i] : "";
      named = named && !key.empty() && keys.insert(key).second &&
              std::find(in.names.begin(), in.names.end(), key) == in.names.end();
    }
    for (size_t i = 0; i < n_out; ++i)
      names.push_back(named ? ir.output_names[i] : n_out == 1 ? "output" : "output_" + std::to_string(i));
  }
  if (names.size() != n_out)
    throw Error(ErrorCode::kBadInput, path + ": forward() returns " + std::to_string(n_out) + " output(s), " +
                                          std::to_string(names.size()) + " output name(s) given");
  for (const auto& name : names)
    if (std::find(in.names.begin(), in.names.end(), name) != in.names.end())
      throw Error(ErrorCode::kBadInput, path + ": an input and an output are both named '" + name +
                                            "'; give --input-names or --output-names");
  return names;
}

// Step 4: each output is the value forward() returns, renamed by an Identity to the requested name.
void bind_outputs(ExportState& state, const std::vector<std::string>& names) {
  const IrGraph& ir = state.ir;
  for (size_t k = 0; k < ir.outputs.size(); ++k) {
    const auto& r = state.repr[ir.outputs[k]];
    if (r.onnx.empty())
      throw Error(ErrorCode::kUnsupported, state.path + ": output " + std::to_string(k) + " ('" +
                                               ir.values[ir.outputs[k]].name + "') is not a tensor piu can export");
    auto* id = state.graph.add_node();
    id->set_op_type("Identity");
    id->set_name(state.unique("Identity_" + names[k]));
    id->add_input(r.onnx);
    id->add_output(names[k]);
    auto* v = state.graph.add_output();
    v->set_name(names[k]);
    v->mutable_type()->mutable_tensor_type()->set_elem_type(r.elem ? r.elem : onnx::TensorProto::FLOAT);
  }
}

// Step 5: Identity outputs and shape computations of static dims go; dynamic dims stay dynamic.
// Then constant folding (or shape inference alone) and, if asked, initializers as inputs.
void finish(OnnxModel& model, const ExportOptions& options) {
  OptimizeOptions cleanup;
  cleanup.passes = {"eliminate_identity", "eliminate_deadend", "eliminate_unused_initializer"};
  optimize(model, cleanup);
  if (options.constant_folding) {
    SimplifyOptions fold;  // folding only: the optimizer's passes are the user's next step
    fold.skip_optimize = true;
    simplify(model, fold);
    // linear on a 2-D input is Gemm, as torch.onnx emits it (shapes are known now).
    OptimizeOptions gemm;
    gemm.passes = {"fuse_matmul_add_bias_into_gemm", "eliminate_deadend", "eliminate_unused_initializer"};
    optimize(model, gemm);
  } else {
    infer_shapes(model);
  }
  if (options.keep_initializers_as_inputs) {
    auto& g = *model.proto().mutable_graph();
    for (const auto& t : g.initializer()) {
      auto* v = g.add_input();
      v->set_name(t.name());
      auto* tt = v->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(t.data_type());
      for (int64_t d : t.dims()) tt->mutable_shape()->add_dim()->set_dim_value(d);
    }
  }
}

// An empty model of the requested opset, with the IR version ONNX Runtime expects for it.
onnx::ModelProto empty_model(int opset) {
  onnx::ModelProto proto;
  proto.set_ir_version(ir_version_for(opset));
  proto.set_producer_name("piu");
  proto.set_producer_version("0.1.0");
  auto* import = proto.add_opset_import();
  import->set_domain("");
  import->set_version(opset);
  proto.mutable_graph()->set_name("torch_jit");
  return proto;
}

}  // namespace

namespace {

// The export itself, from the file `path` or from `bytes` when given (`path` then names them).
OnnxModel export_module(const std::string& path, const std::string* bytes, const ExportOptions& options,
                        ExportReport* report_out) {
  if (options.opset < 11 || options.opset > 21)
    throw Error(ErrorCode::kBadInput, "--opset " + std::to_string(options.opset) + ": piu exports opsets 11 to 21");
  ExportReport report;
  Stopwatch watch;
  const ir::TorchScriptReader& reader = ir::torchscript_reader();
  report.load_s = watch.lap();
  IrGraph ir = reader(path, bytes);
  report.read_s = watch.lap();
  report.torch_nodes = static_cast<int64_t>(ir.nodes.size());

  // 1. Inputs: names and shapes checked against forward()'s arguments (declared in the graph below).
  const Inputs in = match_inputs(ir, options, path);
  report.torch_inputs = in.arg_names;
  for (size_t i = 0; i < in.names.size(); ++i)
    report.inputs.push_back({in.names[i], in.types[i].dtype, in.types[i].source, in.shapes[i]->shape,
                             in.shapes[i]->dim_names});
  // 2. Coverage: every missing converter listed at once, before anything is converted.
  report.unsupported = missing_converters(ir);
  if (!report.unsupported.empty()) fail_unsupported(path, report, report_out);

  onnx::ModelProto proto = empty_model(options.opset);
  ExportState state(ir, options.opset, *proto.mutable_graph(), path);
  const std::vector<std::string> out_names = output_names(ir, options, in, path);
  state.names.insert(in.names.begin(), in.names.end());
  state.names.insert(out_names.begin(), out_names.end());
  bind_inputs(state, in);
  // 3. Conversion: every failure is collected (with its location) before the export fails.
  if (state.convert_nodes(ir.nodes) == ConvertStatus::kFailed) {
    report.unsupported = state.unsupported;
    dump_if_asked(proto);
    fail_unsupported(path, report, report_out);
  }
  // 4. Outputs. (set_rank's rank-only declarations stay: shape inference fills them in.)
  bind_outputs(state, out_names);

  OnnxModel model(std::move(proto));
  report.convert_s = watch.lap();
  // 5. Finish: cleanup, folding, shape inference.
  finish(model, options);
  report.onnx_nodes = model.proto().graph().node_size();
  report.finish_s = watch.lap();
  dump_if_asked(model.proto());
  if (report_out) *report_out = report;
  return model;
}

}  // namespace

OnnxModel export_torchscript(const std::string& path, const ExportOptions& options, ExportReport* report) {
  return export_module(path, nullptr, options, report);
}

OnnxModel export_torchscript(const ModelBytes& module, const ExportOptions& options, ExportReport* report) {
  if (!module.bytes) throw Error(ErrorCode::kInternal, module.name + ": no bytes");
  return export_module(module.name, module.bytes.get(), options, report);
}

}  // namespace piu
