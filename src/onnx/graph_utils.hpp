// Small read-only questions about ONNX protos that several modules ask (passes, simplify, quant,
// inspect): which domain a node is in, which opset a model imports, whether a node holds
// subgraphs, how many nodes a graph holds. One definition each, so that the modules agree.
// Editing helpers that need use-def maps live on passes::Graph, not here.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "piu/onnx.hpp"

namespace piu::graph_utils {

// True for the default ONNX domain, spelled "" or "ai.onnx".
bool is_default_domain(const std::string& domain);
// True when `node` is an op of the default ONNX domain.
bool is_onnx_domain(const onnx::NodeProto& node);

// Version of the default ONNX domain the model imports; 0 when it imports none.
int64_t default_opset(const onnx::ModelProto& model);

// True when one of the node's attributes holds a graph (If, Loop, Scan bodies).
bool has_subgraph(const onnx::NodeProto& node);

// The dim_params that name two dims of one value's shape (graph inputs, outputs, value_info of
// `graph`), such as the "?" some exporters write for every unknown dim. Shape inference treats equal
// names as equal sizes, so such a name says nothing: passes must not take two dims carrying it
// for the same size.
std::unordered_set<std::string> ambiguous_dim_params(const onnx::GraphProto& graph);

// True for ONNX ops whose result may differ between two runs on the same inputs (random draws;
// Dropout, which draws when its training_mode input is true): never folded nor merged.
bool is_nondeterministic(const std::string& op_type);

// Calls `visit(graph)` for every graph held by the node's attributes (the `g` and `graphs`
// fields), in attribute order; not recursive.
template <typename Visit>
void for_each_subgraph(const onnx::NodeProto& node, Visit&& visit) {
  for (const auto& a : node.attribute()) {
    if (a.has_g()) visit(a.g());
    for (const auto& sg : a.graphs()) visit(sg);
  }
}
// The same, with mutable graphs.
template <typename Visit>
void for_each_subgraph(onnx::NodeProto& node, Visit&& visit) {
  for (auto& a : *node.mutable_attribute()) {
    if (a.has_g()) visit(*a.mutable_g());
    for (auto& sg : *a.mutable_graphs()) visit(sg);
  }
}

// Nodes of `graph` plus those of all its subgraphs, at every depth.
int64_t count_nodes(const onnx::GraphProto& graph);

// ---- scopes: a subgraph sees the values of the graphs around it ----

// Names `graph` itself defines: its inputs, initializers (sparse ones too) and non-empty node
// outputs; not those defined inside its subgraphs.
std::unordered_set<std::string> defined_names(const onnx::GraphProto& graph);
// Adds every name defined inside the node's subgraphs, at any depth, to `names`.
void collect_subgraph_names(const onnx::NodeProto& node, std::unordered_set<std::string>& names);
// Names a subgraph reads from enclosing scopes (read by its nodes, its nested subgraphs or
// returned as its outputs, and not defined inside it), each once, in order of first use.
std::vector<std::string> outer_references(const onnx::GraphProto& graph);
// Renames reads of enclosing-scope values inside a subgraph, at any depth, all at once (`renames`
// maps old to new names), except in a scope that defines the name itself (it shadows the outer value).
void rename_outer_references(onnx::GraphProto& graph, const std::unordered_map<std::string, std::string>& renames);
// The same for one name.
void rename_outer_reference(onnx::GraphProto& graph, const std::string& from, const std::string& to);

// What to call a node in messages: its name, else its first output, else "?".
std::string node_label(const onnx::NodeProto& node);
// The node for a message: "node '<node_label>' (<op type>)".
std::string node_description(const onnx::NodeProto& node);

// Number of elements the tensor's dims describe (1 for a scalar), whatever its data holds.
int64_t tensor_element_count(const onnx::TensorProto& tensor);
// Bytes of the tensor's elements by its dims and data type; 0 for a type piu does not know.
int64_t tensor_byte_size(const onnx::TensorProto& tensor);

}  // namespace piu::graph_utils
