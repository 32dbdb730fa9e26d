// Graph: an editable view of one ONNX GraphProto with use-def maps, the one place where passes
// change graphs. Passes never edit NodeProto inputs/outputs or the node list directly.
#pragma once

#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "onnx/graph_utils.hpp"
#include "piu/onnx.hpp"

namespace piu::passes {

using onnx::AttributeProto;
using onnx::GraphProto;
using onnx::NodeProto;
using onnx::TensorProto;

class Graph {
 public:
  // Takes the nodes out of `proto` into an editable list, sorted topologically (keeping the file
  // order where it already is one). `parent` is the enclosing graph for subgraphs (lexical scope).
  // Throws kBadInput naming the node for a cycle, a node that consumes an undefined value, or a
  // value produced twice.
  Graph(GraphProto& proto, int64_t opset, const Graph* parent = nullptr);
  // Puts the nodes back into the proto, in order.
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Version of the default ONNX domain ("" / "ai.onnx") the model imports.
  int64_t opset() const { return opset_; }
  // The proto, for initializers, inputs and outputs (the nodes live here until destruction).
  GraphProto& proto() { return proto_; }
  // The enclosing graph of a subgraph; nullptr for the main graph.
  const Graph* parent() const { return parent_; }

  // Live nodes in topological order (a snapshot: safe to edit the graph while walking it).
  std::vector<NodeProto*> nodes() const;
  // Number of live nodes (not counting those inside subgraphs).
  size_t node_count() const { return nodes_.size(); }
  // True while `node` is a live node of this graph (false once removed).
  bool contains(const NodeProto* node) const { return position_.count(node) > 0; }

  // The node producing `value` in this graph, or nullptr (graph input, initializer, outer value).
  NodeProto* producer(const std::string& value) const;
  // Live nodes that read `value`, as an input or from inside one of their subgraphs; each once.
  std::vector<NodeProto*> consumers(const std::string& value) const;
  // Readers of `value` plus one if it is a graph output.
  size_t use_count(const std::string& value) const;
  // True when `value` is an input (or an output) of this graph, not of an enclosing one.
  bool is_graph_input(const std::string& value) const;
  bool is_graph_output(const std::string& value) const;
  // True when `value` is a graph input, initializer (sparse ones too) or node output of this graph,
  // or a graph input, initializer or node output of an enclosing graph.
  bool defined_here_or_outside(const std::string& value) const;
  // An initializer of this graph (not of enclosing graphs).
  bool is_initializer(const std::string& value) const;

  // The constant behind `value`: an initializer of this or an enclosing graph, or the tensor of a
  // Constant node (its 'value' attribute) in this graph. nullptr when the value is not constant.
  const TensorProto* constant(const std::string& value) const;
  // The same, converted to a Tensor (nullopt when not constant or of an unsupported type).
  std::optional<Tensor> constant_tensor(const std::string& value) const;

  // Element type (TensorProto::DataType) of a value when known: graph inputs/outputs, value_info
  // (filled by shape inference before the passes run), initializers and Constant outputs.
  std::optional<int32_t> elem_type(const std::string& value) const;
  // Shape of a value when its rank is known; unknown or symbolic dims are -1.
  std::optional<Shape> shape(const std::string& value) const;
  // The symbolic names of a value's dims when its rank is known: dim_param where shape inference
  // (or the file) named the dim, "" for static or unnamed dims and for names that also name another
  // dim of one value (graph_utils::ambiguous_dim_params). Equal names denote equal sizes.
  std::optional<std::vector<std::string>> dim_params(const std::string& value) const;

  // --- edits: each keeps the use-def maps right -------------------------------------------------

  // Makes every reader of `from` (subgraph references included) read `to` instead. Refuses, and
  // changes nothing, when `from` is a graph output (that would rename or drop it).
  bool replace_uses(const std::string& from, const std::string& to);
  // Removes `node` as a pass-through from input `in` to output `out`: readers of the output read
  // the input. When the output is a graph output the input's producer is renamed instead, if it
  // can be (single reader, not an input/initializer/graph output). Returns false and changes
  // nothing when neither is possible. Other outputs of `node` must be unused.
  bool bypass(NodeProto* node, int in = 0, int out = 0);
  // Removes a node. Its outputs must be unused, or the caller has rewired their readers.
  void remove_node(NodeProto* node);
  // Removes every node none of whose outputs is read or is a graph output, walking backwards so a
  // chain of dead nodes goes in one call; returns how many were removed.
  int64_t remove_dead_nodes();
  // Inserts `node` before `anchor` (at the end when anchor is null) and returns the stored node.
  NodeProto* insert_node(NodeProto node, const NodeProto* anchor);
  // Makes input `index` of `node` read `value` (the slot must exist).
  void set_input(NodeProto* node, int index, const std::string& value);
  // Appends an input reading `value`.
  void add_input(NodeProto* node, const std::string& value);
  // Keeps the first `count` inputs and drops the rest.
  void truncate_inputs(NodeProto* node, int count);
  // Makes output `index` of `node` produce `value` (a name nothing else produces).
  void set_output(NodeProto* node, int index, const std::string& value);
  // Re-reads a node's inputs and subgraph references after its subgraphs were edited.
  void reindex(NodeProto* node);

  // A value name used nowhere in this graph or its enclosing graphs, derived from `hint`.
  std::string unique_name(const std::string& hint);
  // Adds an initializer under a fresh name derived from `hint`; returns the name.
  std::string add_initializer(TensorProto tensor, const std::string& hint);
  // Removes an initializer of this graph (and its graph-input entry, as with IR < 4 models).
  void remove_initializer(const std::string& name);
  // Removes those of `names` that are initializers of this graph nothing reads any more; graph
  // inputs stay (they are part of the model's interface), empty names are ignored.
  void remove_unused_initializers(const std::vector<std::string>& names);

 private:
  void index_node(NodeProto* node);
  void unindex_node(NodeProto* node);
  std::vector<std::string> reads_of(const NodeProto& node) const;

  GraphProto& proto_;
  int64_t opset_;
  const Graph* parent_;
  std::list<std::unique_ptr<NodeProto>> nodes_;
  std::unordered_map<const NodeProto*, std::list<std::unique_ptr<NodeProto>>::iterator> position_;
  std::unordered_map<std::string, NodeProto*> producer_;
  std::unordered_map<std::string, std::vector<NodeProto*>> readers_;  // may hold a node twice
  // What each node was indexed as reading, so unindexing stays right after its subgraphs change.
  std::unordered_map<const NodeProto*, std::vector<std::string>> indexed_reads_;
  std::unordered_set<std::string> graph_inputs_;
  std::unordered_set<std::string> graph_outputs_;
  std::unordered_map<std::string, TensorProto*> initializers_;
  std::unordered_set<std::string> used_names_;
  std::unordered_map<std::string, const onnx::ValueInfoProto*> value_infos_;
  std::unordered_set<std::string> ambiguous_dim_params_;
  int64_t name_counter_ = 0;
};

// ---- attributes ----
// The attribute called `name`, or nullptr.
const AttributeProto* find_attribute(const NodeProto& node, const std::string& name);
// The attribute's value, or `fallback` when the node has no attribute of that name.
int64_t attribute_int(const NodeProto& node, const std::string& name, int64_t fallback);
float attribute_float(const NodeProto& node, const std::string& name, float fallback);
std::string attribute_string(const NodeProto& node, const std::string& name, const std::string& fallback);
// The attribute's ints, or nullopt when the node has no attribute of that name.
std::optional<std::vector<int64_t>> attribute_ints(const NodeProto& node, const std::string& name);
// Sets the attribute, replacing one of the same name (whatever its type) or adding it.
void set_attribute(NodeProto& node, const std::string& name, int64_t value);
void set_attribute(NodeProto& node, const std::string& name, float value);
void set_attribute(NodeProto& node, const std::string& name, const std::vector<int64_t>& values);
// Removes the attribute called `name` if there is one.
void remove_attribute(NodeProto& node, const std::string& name);

// Proto-level helpers every pass uses (see onnx/graph_utils.hpp).
using graph_utils::for_each_subgraph;
using graph_utils::has_subgraph;
using graph_utils::is_onnx_domain;
using graph_utils::outer_references;
using graph_utils::rename_outer_reference;

// Integer values of a constant 1-D (or scalar) int32/int64 tensor.
std::optional<std::vector<int64_t>> constant_ints(const Graph& graph, const std::string& value);
// The axes of a Squeeze or Unsqueeze: its attribute before opset 13, its constant second input
// from 13; nullopt when absent or computed.
std::optional<std::vector<int64_t>> squeeze_axes(const Graph& graph, const NodeProto& node);
// `axes` made non-negative against `rank` (when known), sorted and distinct; nullopt when a
// negative axis needs the unknown rank, an axis is out of range, or one repeats.
std::optional<std::vector<int64_t>> normalized_axes(const std::vector<int64_t>& axes, std::optional<int64_t> rank);

// Writes `v` into element i of a float32, float16 or float64 host tensor (rounded to its type), as
// the passes that fold constants into a Conv's weights do; kInternal for other dtypes.
void store_float(Tensor& t, int64_t i, double v);

// Two consecutive Squeezes or Unsqueezes ending at `node`: `first` (of `op_type`, ONNX domain, one
// output) produces node's input, which nothing else reads and which is no graph output; both have
// constant, non-empty axes (as written: negative ones not yet resolved). The rank of the first's
// input comes from its shape or either output's (shape inference), when one is known.
struct AxesChain {
  const NodeProto* first = nullptr;
  std::vector<int64_t> first_axes;
  std::vector<int64_t> second_axes;
  std::optional<int64_t> input_rank;
};
std::optional<AxesChain> consecutive_axes_nodes(const Graph& graph, const NodeProto& node, const std::string& op_type);
// Makes `node`, the second of an AxesChain, read the first's input with `axes` in place of both
// (an attribute before opset 13, a new int64 initializer from 13); removes the first node and the
// old axes initializers nobody reads any more.
void merge_axes_chain(Graph& graph, NodeProto& node, const std::vector<int64_t>& axes);

}  // namespace piu::passes
