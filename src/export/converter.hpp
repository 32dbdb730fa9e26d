// Converters: one function per aten op (or small family) turning one IrNode into ONNX nodes,
// registered by kind in one line. They see the node through ConvertContext, which hides how
// values are represented (constants, computed ints, tensor lists) and emits ONNX nodes.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/ir.hpp"
#include "piu/onnx.hpp"

namespace piu::exporter {

using ir::IrBlock;
using ir::IrGraph;
using ir::IrNode;
using ir::IrType;
using ir::IrValue;

// A converter that cannot handle this particular use of its op (e.g. a non-constant kernel size)
// throws this, as do ConvertContext's readers of constant arguments. The conversion loop catches it
// around each converter (only there) and records the failure as a value: the node is reported with
// its source location and the nodes reading its outputs are skipped.
struct Unconvertible : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ExportState;

class ConvertContext {
 public:
  ConvertContext(ExportState& state, const IrNode& node) : state_(state), node_(node) {}

  // The ONNX opset being exported to.
  int opset() const;
  // The node being converted.
  const IrNode& node() const { return node_; }
  // Argument i as the IR holds it; throws Unconvertible when the node has fewer arguments.
  const IrValue& in(size_t i) const;
  // Output k as the IR holds it (its TorchScript type).
  const IrValue& out(size_t k) const;
  size_t num_inputs() const { return node_.inputs.size(); }
  // Any IR value by its index (a block's inputs and outputs), as the IR holds it.
  const IrValue& value(int v) const;
  // A fresh ONNX value name made from `hint` (a subgraph's inputs).
  std::string fresh_name(const std::string& hint);
  // True when argument i is absent or the constant None.
  bool is_none(size_t i) const { return i >= num_inputs() || in(i).none; }

  // Constant arguments (throw Unconvertible when the argument is computed at run time).
  int64_t int_const(size_t i) const;
  double float_const(size_t i) const;  // an int or float constant
  bool bool_const(size_t i) const { return int_const(i) != 0; }
  std::vector<int64_t> ints_const(size_t i) const;  // int[] (a single int is broadcast by the caller)
  // The same without throwing: nullopt when the argument is computed at run time.
  std::optional<std::vector<int64_t>> maybe_ints(size_t i) const;
  std::optional<double> maybe_scalar(size_t i) const;  // a constant int/float/bool

  // A tensor argument as an ONNX value name; constants become initializers, and a number
  // argument becomes a 0-d tensor of `like`'s element type (the ONNX type of input `like`).
  std::string tensor(size_t i, int like = -1);
  // An int argument as a 0-d int64 ONNX value (constant or computed), and an int[] argument as a
  // 1-D int64 ONNX value (a Concat of its elements when some are computed).
  std::string int_scalar(size_t i);
  std::string int_list(size_t i);
  // A Tensor[] / Tensor?[] argument (prim::ListConstruct of tensors) as ONNX value names ("" for
  // a None element), and their element types (FLOAT where unknown).
  std::vector<std::string> tensor_list(size_t i);
  std::vector<int32_t> tensor_list_types(size_t i);

  // ONNX element type of a tensor argument (FLOAT when unknown).
  int32_t elem_type(size_t i) const;
  // Shape of a tensor argument as ONNX shape inference sees it so far: -1 for dynamic dims;
  // nullopt when even the rank is unknown. (Runs inference over the graph built so far, cached.)
  std::optional<Shape> shape(size_t i);
  // The same for an ONNX value this converter made or got from a list.
  std::optional<Shape> value_shape(const std::string& onnx_value);
  // The symbolic name ONNX shape inference gives a dynamic dim of a value ("batch"), or "".
  std::string dim_name(const std::string& onnx_value, int64_t dim);
  // The rank (from what converters recorded, else shape inference), or throws Unconvertible.
  int64_t rank(size_t i);
  // Records output k's rank when the converter knows it (reshape to a list of n, transpose...).
  void set_rank(size_t k, int64_t rank);
  // Where a computed int came from: aten::size(value, dim) of a dynamic dim.
  void set_size_of(size_t k, const std::string& onnx_value, int64_t dim);
  // The elements of an int list argument as far as they are known: a value, or the size of a
  // dim (`of` names the ONNX value), or neither; empty when the list is not a prim::ListConstruct.
  struct IntElem {
    std::optional<int64_t> value;
    std::string of;
    int64_t dim = -1;
  };
  std::vector<IntElem> int_list_elems(size_t i) const;
  IntElem int_elem(size_t i) const;  // what is known of an int argument
  // Records what is known of output k's elements, for the converters reading it.
  void set_list_elems(size_t k, const std::vector<IntElem>& elems);
  // Length of an int list argument (constant, or computed by prim::ListConstruct), -1 if unknown.
  int64_t list_length(size_t i) const;
  // Records output k's length when it is known though its elements are computed.
  void set_list_length(size_t k, int64_t length);

  // Adds an ONNX node; returns it for attributes. Output names are made unique from the hint.
  onnx::NodeProto& add(const std::string& op, const std::vector<std::string>& inputs, size_t outputs = 1,
                       const std::string& hint = "");
  // The same, returning its first output.
  std::string emit(const std::string& op, const std::vector<std::string>& inputs, const std::string& hint = "");
  // Inputs 0 and 1 of a binary op, either of which may be a number: the number becomes a 0-d
  // tensor of the other operand's element type, which is `type`.
  struct Operands {
    std::string a, b;
    int32_t type;
  };
  Operands operands();

  // Constants as initializers; each returns the initializer's (unique) name. An int64 list, or a
  // 0-d int64 when `scalar` (values then holds one int).
  std::string const_i64(const std::vector<int64_t>& values, bool scalar = false);
  // A 0-d constant of ONNX element type `type` (float, double, int32/64, bool) holding `value`.
  std::string const_scalar(double value, int32_t type, const std::string& hint);
  // A copy of `t`, named from `hint`.
  std::string const_tensor(const Tensor& t, const std::string& hint);
  // An initializer built in place (its name is set here), for converters that write large data
  // straight into raw_data rather than through a Tensor copy.
  std::string const_proto(onnx::TensorProto proto, const std::string& hint);

  // Binds output k of the TorchScript node to an ONNX value (or a known int list, or a list of
  // tensors); an output never bound is an error if anything reads it.
  // elem_type 0: int64 for int outputs, else input 0's type (FLOAT when it has none).
  void bind(size_t k, const std::string& onnx_value, int32_t elem_type = 0);
  void bind_ints(size_t k, const std::vector<int64_t>& values);
  void bind_tensor_list(size_t k, const std::vector<std::string>& values, const std::vector<int32_t>& types = {});
  // In-place list mutation (aten::append, insert, Delete, _set_item in scripted code): argument i,
  // a list of tensors, holds `values` from now on, for every later reader of it. Throws
  // Unconvertible for a list made outside the run-time If branch or Loop body being built (what it
  // holds would depend on the run).
  void set_tensor_list(size_t i, const std::vector<std::string>& values, const std::vector<int32_t>& types);
  // Binds output k to a tensor known now (a new_zeros of a constant shape): it becomes an
  // initializer when something reads it, and in-place fills on slices of it are applied here.
  void bind_constant(size_t k, Tensor t);
  // In-place fill of input i, a chain of slice/select views of a tensor bound by bind_constant:
  // the base's constant is updated (later reads see the new values). Throws Unconvertible for
  // other targets. The caller binds its own output.
  void fill_view(size_t i, double value);
  // True when input i is a chain of slice/select views of a tensor bound by bind_constant (what
  // fill_view writes into).
  bool is_view_of_constant(size_t i);
  // In-place write of `src` (ONNX element type src_type; cast and broadcast as copy_ does) into
  // input i, a chain of constant-step-1 slice/select views of a computed tensor, done out of place:
  // every later reader of the base reads a new value (src/export/write_view.cpp). Returns the
  // view's new contents, for the caller's output. Throws Unconvertible when that is not provably
  // what PyTorch computes: an older view of the base still read afterwards, a base that is itself
  // a view, a strided slice, a write inside a loop or branch.
  std::string write_view(size_t i, const std::string& src, int32_t src_type);
  // Control flow: converts sub-block b's nodes here (a taken branch, one unrolled iteration).
  // Returns false when a node in it failed: that node is reported, this node fails with it, and
  // the converter should return at once.
  [[nodiscard]] bool convert_block(size_t b);
  // True once a convert_block call failed (the driver then marks this node failed).
  bool block_failed() const { return block_failed_; }
  // Makes IR value dst what value src is (results of a block become the node's outputs).
  void assign(int dst, int src);
  // Ints bound to an IR value directly (a loop's iteration count) and read back from one
  // (nullopt when the value's ints are not known).
  void bind_value_ints(int value, const std::vector<int64_t>& ints);
  std::optional<std::vector<int64_t>> value_ints(int value) const;
  // Control flow decided at run time (src/export/subgraph.cpp). Converts sub-block b's nodes into
  // `body` (an ONNX If branch or Loop body; the caller has declared its inputs and bound the
  // block's inputs with bind_value), then makes each block output k a graph output of `body`: of
  // ONNX element type types[k] when that is nonzero (cast if needed), else of its own type, which
  // is written back to types[k]. shapes, when given, receives each output's shape as far as known.
  // Returns false when a node in it failed, as convert_block does.
  [[nodiscard]] bool convert_subgraph(size_t b, onnx::GraphProto& body, std::vector<int32_t>& types,
                                      std::vector<std::optional<Shape>>* shapes = nullptr);
  // True while the nodes being converted sit in an If branch or Loop body that runs or not at run
  // time (a `raise` there cannot be resolved now).
  bool in_runtime_block() const;
  // Makes IR value `value` (a block input) the ONNX value `onnx_value` of element type `elem` and
  // rank `rank` (-1 unknown), dropping any constant it held.
  void bind_value(int value, const std::string& onnx_value, int32_t elem, int64_t rank);
  // Declares output k's ONNX value (already bound) with its element type and shape (-1: a dim
  // left unknown) in the graph being built: what ONNX shape inference cannot find itself (a
  // Loop's carried outputs).
  void declare_output(size_t k, const Shape& shape);
  // A point to come back to when an attempt (unrolling a loop) turns out to need run-time values:
  // rollback removes the nodes made since in the graph being built and restores every value's
  // representation (initializers made stay; unused ones are dropped when the export finishes).
  struct Checkpoint {
    int nodes = 0, value_infos = 0;
    size_t unsupported = 0;
    std::shared_ptr<const void> repr;
  };
  Checkpoint checkpoint() const;
  void rollback(const Checkpoint& point);

  // A string output known now (str(device), a string picked by a branch).
  void bind_str(size_t k, const std::string& s);
  // Makes output k the same value as input i (for no-ops: dropout in eval, contiguous, detach).
  void forward(size_t k, size_t i);

 private:
  ExportState& state_;
  const IrNode& node_;
  bool block_failed_ = false;
};

using ConvertFn = void (*)(ConvertContext& ctx);

// Adds a converter for `kind`; returns true for a static registrar. Duplicates throw.
bool register_converter(const std::string& kind, ConvertFn fn);
// The converter for `kind`, or nullptr.
ConvertFn find_converter(const std::string& kind);
// Every kind that has a converter, sorted.
std::vector<std::string> converter_kinds();

// Unsqueeze/Squeeze in the form of the model's opset (axes as attribute below 13, input from 13).
std::string unsqueeze(ConvertContext& ctx, const std::string& value, const std::vector<int64_t>& axes);
std::string squeeze(ConvertContext& ctx, const std::string& value, const std::vector<int64_t>& axes);
// A reduction with `axes` in the form of the opset (ReduceSum takes an input from 13, the others
// from 18).
onnx::NodeProto& reduce(ConvertContext& ctx, const std::string& op, const std::string& value,
                        const std::vector<int64_t>& axes, bool keepdims);

// PyTorch's ScalarType numbering (a dtype argument) -> ONNX element type; throws Unconvertible.
int32_t onnx_type_of_scalar_type(int64_t t);
// The ONNX element type named by argument i (a ScalarType constant), or `fallback` when it is None.
int32_t dtype_arg(const ConvertContext& ctx, size_t i, int32_t fallback);
// Element `at` of a host tensor set from a number (float, double, int32/64, bool; others throw
// Unconvertible), and a tensor of ONNX element type `type` and `shape` filled with `value`.
void set_element(Tensor& t, int64_t at, double value);
Tensor filled(int32_t type, const Shape& shape, double value);
// Cast to an ONNX element type (no node when `from` already is it).
std::string cast(ConvertContext& ctx, const std::string& value, int32_t to, int32_t from = 0);
std::string transpose(ConvertContext& ctx, const std::string& value, const std::vector<int64_t>& perm);
// x @ W^T + b for a PyTorch weight W [out, in] (the transpose folds when W is a constant); b may be "".
std::string linear(ConvertContext& ctx, const std::string& x, const std::string& w, const std::string& b);
// A ConstantOfShape filled with `value` of element type `type`; `shape` is a 1-D int64 value.
std::string fill(ConvertContext& ctx, const std::string& shape, double value, int32_t type);
// Layer normalization over the last `axes` dims: LayerNormalization from opset 17, the formula
// before. weight/bias may be "".
std::string layer_norm(ConvertContext& ctx, const std::string& x, int64_t axes, const std::string& weight,
                       const std::string& bias, float eps, int32_t type);

// Int arithmetic (op one of + - * / (floor) t (trunc) % n (negate)) on ints known at conversion
// time: binds output 0 to the result and returns true, or returns false.
bool fold_ints(ConvertContext& ctx, char op);

// A comparison whose operands are both numbers (not tensors), done now: true when it bound the
// result (src/export/ops/control.cpp).
bool compare_numbers(ConvertContext& ctx);

// The lengths of a packed sequence held as (padded time-major data, batch_sizes): how many
// steps each of data's batch items has (src/export/ops/packed.cpp).
std::string packed_lengths(ConvertContext& ctx, const std::string& batch_sizes, const std::string& data);

// aten::all / aten::any on a tensor (all elements, or along a dim): binds output 0
// (src/export/ops/elementwise.cpp).
void tensor_all_any(ConvertContext& ctx, bool all);

// The converter of ops that change nothing ONNX sees (aliases, contiguous, conj of real tensors,
// number-to-tensor casts): output 0 is input 0.
void convert_identity(ConvertContext& ctx);

// Repeats a one-element list to `n` entries (PyTorch accepts stride=2 for (2, 2)).
std::vector<int64_t> repeat_to(std::vector<int64_t> v, size_t n);
// PyTorch's symmetric padding per spatial dim -> ONNX's [begins..., ends...].
std::vector<int64_t> both_sides(const std::vector<int64_t>& pad);

// Attribute helpers for converters.
void set_ints(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v);
void set_int(onnx::NodeProto& n, const std::string& name, int64_t v);
void set_float(onnx::NodeProto& n, const std::string& name, float v);

}  // namespace piu::exporter

// One line per converted kind, e.g. PIU_REGISTER_CONVERTER(aten_relu, "aten::relu", convert_relu).
#define PIU_REGISTER_CONVERTER(id, kind, fn) \
  static const bool piu_converter_##id = ::piu::exporter::register_converter(kind, fn)
