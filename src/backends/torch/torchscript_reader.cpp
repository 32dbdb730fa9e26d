// Reads a TorchScript module into an IrGraph (src/ir/ir.hpp), which the exporter converts to ONNX.
// Built into the torch plugin beside the TorchScript backend: the exporter never includes LibTorch,
// and the two meet only in the IR. LibTorch's own passes do the lowering: freeze (parameters become
// constants, Conv+BN folds), inline (methods calling methods of self), module attributes freezing
// left resolved to constants (module_attributes.cpp), remove mutation, lower tuples, constant
// propagation, dead code; then every value and node is copied into torch-free types. What is left
// of the module (`self`: state forward() writes, calls LibTorch could not inline) reaches the
// exporter as nodes it reports, with their source location.
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/lower_tuples.h>
#include <torch/csrc/jit/passes/remove_mutation.h>

#include <functional>
#include <unordered_map>

#include "backends/torch/module_attributes.hpp"
#include "backends/torch/torch_util.hpp"
#include "ir/ir.hpp"

namespace piu::ir {

namespace {

// Shares the tensor's storage rather than copying it (the IR keeps it alive after the module is
// gone): a model's weights are held once while it is read.
Tensor tensor_from_torch(const at::Tensor& t) {
  auto held = std::make_shared<at::Tensor>(t.detach().contiguous().cpu());
  const Shape shape(held->sizes().begin(), held->sizes().end());
  const DType dtype = torch_util::from_torch(held->scalar_type());
  if (held->numel() == 0) return Tensor::zeros(dtype, shape);
  void* data = held->data_ptr();
  return Tensor::adopt(std::shared_ptr<void>(held, data), data, dtype, shape);
}

IrType ir_type(const c10::TypePtr& t) {
  using K = c10::TypeKind;
  switch (t->kind()) {
    case K::TensorType: return IrType::kTensor;
    case K::IntType: return IrType::kInt;
    case K::FloatType: return IrType::kFloat;
    case K::BoolType: return IrType::kBool;
    case K::NoneType: return IrType::kNone;
    case K::StringType: return IrType::kString;
    case K::DeviceObjType: return IrType::kDevice;
    case K::ListType: {
      const auto elem = t->expectRef<c10::ListType>().getElementType()->kind();
      if (elem == K::IntType) return IrType::kIntList;
      if (elem == K::FloatType) return IrType::kFloatList;
      if (elem == K::BoolType) return IrType::kBoolList;
      if (elem == K::TensorType) return IrType::kTensorList;
      return IrType::kOther;
    }
    default: return IrType::kOther;
  }
}

// Fills the constant fields of `v` from a prim::Constant's value.
void set_constant(IrValue& v, const c10::IValue& iv) {
  if (iv.isTensor()) v.tensor = tensor_from_torch(iv.toTensor());
  else if (iv.isInt()) v.ints = std::vector<int64_t>{iv.toInt()};
  else if (iv.isBool()) v.ints = std::vector<int64_t>{iv.toBool() ? 1 : 0};
  else if (iv.isDouble()) v.floats = std::vector<double>{iv.toDouble()};
  else if (iv.isNone()) v.none = true;
  else if (iv.isString()) v.str = iv.toStringRef();
  else if (iv.isDevice()) v.str = iv.toDevice().str();
  else if (iv.isIntList()) v.ints = iv.toIntVector();
  else if (iv.isDoubleList()) v.floats = iv.toDoubleVector();
  else if (iv.isBoolList()) {
    std::vector<int64_t> b;
    for (bool x : iv.toBoolList()) b.push_back(x ? 1 : 0);
    v.ints = b;
  }
  else if (iv.isTensorList()) {
    std::vector<Tensor> ts;
    for (const at::Tensor& t : iv.toTensorVector()) ts.push_back(tensor_from_torch(t));
    v.tensors = std::move(ts);
  } else if (iv.isList()) {  // Tensor?[] (aten::index's indices): None is an undefined Tensor
    std::vector<Tensor> ts;
    for (const c10::IValue& e : iv.toListRef()) {
      if (e.isNone()) ts.emplace_back();
      else if (e.isTensor()) ts.push_back(tensor_from_torch(e.toTensor()));
      else return;
    }
    v.tensors = std::move(ts);
  }
}

// "file.py:12": the Python source the module was scripted from when the file keeps it (torch.jit.save
// writes it as debug information), else the line of the TorchScript code in the archive.
std::string source_of(const torch::jit::Node* n) {
  torch::jit::SourceRange range = n->sourceRange();
  if (auto original = range.findSourceRangeThatGenerated()) range = *original;
  if (auto flc = range.file_line_col()) {
    const auto& [file, line, col] = *flc;
    (void)col;
    return file + ":" + std::to_string(line);
  }
  return "";
}

// A node LibTorch made without a source range (a dict or list literal) is located at its first
// reader that has one.
std::string source_near(const torch::jit::Node* n) {
  std::string s = source_of(n);
  for (const torch::jit::Value* o : n->outputs())
    for (const auto& use : o->uses())
      if (s.empty()) s = source_of(use.user);
  return s;
}

// What a prim::GetAttr / prim::SetAttr / prim::CallMethod / prim::CallFunction names, for messages.
std::string attribute_of(const torch::jit::Node* n, const std::string& owner) {
  if (n->kind() == c10::prim::GetAttr || n->kind() == c10::prim::SetAttr)
    return owner + "." + n->s(c10::attr::name);
  if (n->kind() == c10::prim::CallMethod) return owner + "." + n->s(c10::attr::name) + "()";
  if (n->kind() == c10::prim::CallFunction && n->inputs().size() > 0)
    if (auto f = n->input(0)->type()->cast<c10::FunctionType>()) return f->function()->qualname().qualifiedName() + "()";
  return "";
}

// The module made ready for reading: frozen (parameters and attributes forward() only reads become
// constants) when LibTorch can freeze it, else as it is; its forward() inlined, the attributes
// freezing left resolved, mutation and tuples lowered where LibTorch can, constants propagated.
std::shared_ptr<torch::jit::Graph> prepare(torch::jit::Module& module, const std::string& path) {
  try {
    module = torch::jit::freeze(module);
  } catch (const c10::Error&) {
    // Not freezable (an attribute type freezing refuses): attributes are resolved below instead.
  }
  try {
    auto graph = module.get_method("forward").graph()->copy();
    torch::jit::Inline(*graph);
    resolve_module_attributes(*graph, module);
    torch::jit::RemoveListMutation(graph);
    torch::jit::RemoveTensorMutation(graph);
    torch::jit::LowerAllTuples(graph);
    torch::jit::ConstantPropagation(graph);
    torch::jit::EliminateDeadCode(graph);
    return graph;
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::kUnsupported,
                path + ": LibTorch cannot prepare the module for export: " + torch_util::first_line(e.what_without_backtrace()));
  }
}

// The prepared graph's values and nodes copied into the IR.
IrGraph lower(const torch::jit::Module& module, const std::shared_ptr<torch::jit::Graph>& graph, const std::string& path) {
  IrGraph ir;
  std::unordered_map<const torch::jit::Value*, int> index;
  auto add_value = [&](const torch::jit::Value* v) {
    IrValue x;
    x.name = v->debugName();
    x.type = ir_type(v->type());
    x.type_str = v->type()->annotation_str();
    if (const auto tensor = v->type()->cast<c10::TensorType>(); tensor && tensor->scalarType()) {
      try {
        x.dtype = torch_util::from_torch(*tensor->scalarType());
      } catch (const Error&) {  // a type piu has no name for: left to the exporter's inference
      }
    }
    index[v] = static_cast<int>(ir.values.size());
    ir.values.push_back(std::move(x));
    return index[v];
  };
  const auto inputs = graph->inputs();
  const auto& args = module.get_method("forward").function().getSchema().arguments();
  // Input 0 is the module itself: a value of its own (kOther), read only by what the exporter
  // reports (state forward() writes, calls that were not inlined).
  std::unordered_map<const torch::jit::Value*, std::string> paths;  // the module and submodules read: "self.enc"
  if (!inputs.empty()) {
    add_value(inputs[0]);
    ir.values.back().name = "self";
    paths[inputs[0]] = "self";
  }
  for (size_t i = 1; i < inputs.size(); ++i) {
    ir.inputs.push_back(add_value(inputs[i]));
    if (i < args.size()) ir.values[ir.inputs.back()].name = args[i].name();  // "x", not the graph's "x.1"
  }
  // A returned dict ({"out": ..., "aux": ...}) becomes one output per entry, named by its key.
  auto returned_dict = [&](const torch::jit::Node* n) {
    if (n->kind() != c10::prim::DictConstruct) return false;
    for (const auto& use : n->output()->uses())
      if (use.user != graph->return_node()) return false;
    return true;
  };
  // A value the reader did not make (nothing LibTorch's verified graphs should hold) ends the read
  // as an unsupported construct, named with its reader and location.
  auto lookup = [&](const torch::jit::Value* v, const torch::jit::Node* reader) {
    auto it = index.find(v);
    if (it == index.end()) {
      const std::string where = reader ? source_near(reader) : "";
      throw Error(ErrorCode::kUnsupported, path + ": " + (reader ? reader->kind().toQualString() : std::string("an output")) +
                                               (where.empty() ? "" : " (at " + where + ")") + " reads %" + v->debugName() +
                                               " (" + v->type()->annotation_str() + "), which piu cannot represent");
    }
    return it->second;
  };
  // One block's nodes (the graph's, or a branch's / loop body's, recursively) into `out`.
  std::function<void(const torch::jit::Block*, std::vector<IrNode>&)> read_block;
  read_block = [&](const torch::jit::Block* block, std::vector<IrNode>& out) {
    for (const torch::jit::Node* n : block->nodes()) {
      if (returned_dict(n)) continue;
      if (n->kind() == c10::prim::Constant) {
        const int k = add_value(n->output());
        if (auto iv = torch::jit::toIValue(n->output())) set_constant(ir.values[k], *iv);
        continue;
      }
      IrNode node;
      node.kind = n->kind().toQualString();
      node.source = source_near(n);
      if (const auto owner = paths.find(n->inputs().empty() ? nullptr : n->input(0)); owner != paths.end())
        node.attribute = attribute_of(n, owner->second);
      else if (n->kind() == c10::prim::CallFunction)
        node.attribute = attribute_of(n, "");
      for (const torch::jit::Value* in : n->inputs()) node.inputs.push_back(lookup(in, n));
      for (const torch::jit::Block* b : n->blocks()) {
        IrBlock sub;
        for (const torch::jit::Value* p : b->inputs()) sub.inputs.push_back(add_value(p));
        read_block(b, sub.nodes);
        for (const torch::jit::Value* o : b->outputs()) sub.outputs.push_back(lookup(o, n));
        node.blocks.push_back(std::move(sub));
      }
      for (const torch::jit::Value* o : n->outputs()) node.outputs.push_back(add_value(o));
      if (n->kind() == c10::prim::GetAttr && !node.attribute.empty()) paths[n->output()] = node.attribute;
      // A list of constants is a constant (kernel sizes, strides, shapes).
      if (n->kind() == c10::prim::ListConstruct) {
        bool all = true;
        std::vector<int64_t> ints;
        std::vector<double> floats;
        for (int i : node.inputs) {
          const IrValue& v = ir.values[i];
          if (v.ints && v.ints->size() == 1 && (v.type == IrType::kInt || v.type == IrType::kBool)) ints.push_back(v.ints->at(0));
          else if (v.floats && v.floats->size() == 1) floats.push_back(v.floats->at(0));
          else all = false;
        }
        IrValue& lv = ir.values[node.outputs[0]];
        if (all && lv.type == IrType::kIntList && floats.empty()) {
          lv.ints = ints;
          continue;
        }
        if (all && lv.type == IrType::kFloatList && ints.empty()) {
          lv.floats = floats;
          continue;
        }
      }
      out.push_back(std::move(node));
    }
  };
  read_block(graph->block(), ir.nodes);
  for (const torch::jit::Value* out : graph->outputs()) {
    if (const torch::jit::Node* d = out->node(); returned_dict(d)) {
      for (size_t i = 0; i + 1 < d->inputs().size(); i += 2) {
        const auto key = torch::jit::toIValue(d->inputs()[i]);
        ir.outputs.push_back(lookup(d->inputs()[i + 1], d));
        ir.output_names.push_back(key && key->isString() ? key->toStringRef() : "");
      }
      continue;
    }
    ir.output_names.push_back("");
    ir.outputs.push_back(lookup(out, nullptr));
  }
  return ir;
}

IrGraph read(const std::string& path, const std::string* bytes) {
  torch::jit::Module module = torch_util::load_module(path, bytes);
  const std::shared_ptr<torch::jit::Graph> graph = prepare(module, path);
  try {
    return lower(module, graph, path);
  } catch (const c10::Error& e) {  // LibTorch refusing to describe a value or node: not piu's bug
    throw Error(ErrorCode::kUnsupported,
                path + ": LibTorch cannot describe the module's graph: " + torch_util::first_line(e.what_without_backtrace()));
  }
}

const bool registered = register_torchscript_reader(read);

}  // namespace

}  // namespace piu::ir
