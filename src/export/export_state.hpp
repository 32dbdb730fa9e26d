// What one export knows while it converts: how each IR value is represented in the ONNX graph
// being built, who produces and reads each value, the names taken, the shapes ONNX shape inference
// found so far, and which nodes failed. Converters see it only through ConvertContext.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "export/converter.hpp"
#include "piu/export.hpp"

namespace piu::exporter {

// What converting a node, or a list of nodes, came to. A failure has been reported (in
// ExportState::unsupported) by the node that caused it; the nodes reading its outputs are skipped.
enum class ConvertStatus { kConverted, kFailed };

class ExportState {
 public:
  struct Repr {
    std::string onnx;          // ONNX value name (tensor or computed int / int list)
    int32_t elem = 0;          // its ONNX element type, 0 when unknown
    std::optional<std::vector<int64_t>> ints;  // a known int / int list bound by a converter
    std::optional<std::vector<std::string>> list;  // a Tensor[]
    std::vector<int32_t> list_types;               // its element types, when known
    size_t list_depth = 0;  // how many run-time If/Loop bodies were open where the list was made
    int64_t rank = -1;  // a tensor's rank when a converter knows it (saves a shape-inference run)
    int64_t length = -1;  // a computed int list's length
    std::string size_of;  // an int read by aten::size(size_of, size_dim) from a dynamic dim
    int64_t size_dim = -1;
    std::vector<ConvertContext::IntElem> elems;  // a computed int list's elements, as far as known
    std::optional<Tensor> constant;  // a tensor known at conversion time (bind_constant)
  };

  // `path` names the model in error messages.
  ExportState(IrGraph& ir, int opset, onnx::GraphProto& graph, std::string path);

  // Converts nodes in order with their converters. At the top level every node is tried, so one
  // run reports every cause; inside a branch or loop body (converted by a control-flow converter)
  // the first failure ends the block. Returns kFailed when any node failed. A piu::Error from a
  // converter propagates with the node named.
  ConvertStatus convert_nodes(const std::vector<IrNode>& nodes);

  // Makes value dst what value src is (a branch's result becomes the If's output; a loop's carried
  // values move between iterations): its representation and, for constants, the constant.
  void assign(int dst, int src);

  // Where converters' nodes go: the model's graph, or the innermost If branch / Loop body being
  // built (initializers always go to the model's graph, which subgraphs may read).
  onnx::GraphProto& target() { return bodies.empty() ? graph : *bodies.back(); }

  // A fresh ONNX name made from `hint` (characters ONNX tools dislike become '_').
  std::string unique(std::string hint);

  // Shapes of the values built so far, from ONNX shape inference over a light copy of the graph
  // (large initializers keep their dims but not their bytes) with the subgraphs being built laid
  // out after it (their inputs as graph inputs). Re-run only when a value newer than the last run
  // is asked for. nullopt when even the rank is unknown.
  std::optional<Shape> shape_of(const std::string& value);

  IrGraph& ir;  // constants are released once their last reader is converted
  int opset;
  onnx::GraphProto& graph;
  std::string path;
  std::vector<Repr> repr;
  std::vector<const IrNode*> producer;  // value -> the node that makes it; null for inputs and constants
  std::vector<int> uses;      // readers of each value not converted yet
  std::vector<bool> failed;   // values a failed node would have made
  std::vector<UnsupportedOp> unsupported;  // the nodes that failed, with the reason
  std::set<std::string> names;
  std::map<std::string, Shape> shapes;
  std::map<std::string, std::vector<std::string>> dim_names;  // symbolic dims ("batch"), "" elsewhere
  std::set<std::string> declared;  // values given a rank-only value_info by set_rank
  std::vector<onnx::GraphProto*> bodies;  // the If branches / Loop bodies being built, innermost last
  int64_t nodes_added = 0;                 // ONNX nodes made so far (anywhere): the shape cache's key
  int64_t inferred_nodes = -1;             // nodes_added when shapes were last inferred

 private:
  void index_nodes(const std::vector<IrNode>& nodes);
  ConvertStatus convert_node(const IrNode& n);
  void done_with(const IrNode& n);
  void rebind_mutated(const IrNode& n);
  void infer_shapes_so_far();

  int depth_ = 0;  // > 0 while a control-flow converter converts a block
};

}  // namespace piu::exporter
