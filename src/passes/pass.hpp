// Pass: one graph rewrite, registered by name. A pass says which op types it targets, checks a
// node with a cheap `match`, and `rewrite`s it, reporting whether the graph changed. The driver
// (pass_manager.cpp) owns the walk, subgraph recursion, dead-node deletion and the fixed point.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "passes/graph.hpp"

namespace piu::passes {

class Pass {
 public:
  virtual ~Pass() = default;
  // The name users type in --passes; equals the file name.
  virtual std::string name() const = 0;
  // One line for --list-passes.
  virtual std::string description() const = 0;

  // Node passes: the op types (default ONNX domain) whose nodes the driver offers to match().
  virtual std::vector<std::string> op_types() const { return {}; }
  // Cheap checks first. Must not change the graph.
  virtual bool match(const Graph& /*graph*/, const NodeProto& /*node*/) const { return false; }
  // Applies the rewrite to a matched node; returns true if the graph changed. A rewrite that
  // finds it cannot apply returns false having changed nothing.
  virtual bool rewrite(Graph& /*graph*/, NodeProto& /*node*/) const { return false; }

  // Graph passes override this instead; it returns the number of changes. The default offers each
  // node of a targeted op type to match()/rewrite(), in topological order.
  virtual int run(Graph& graph) const;
};

// Adds a pass to the registry; returns true so it can initialize a static registrar.
bool register_pass(std::unique_ptr<Pass> pass);
// The registered pass with this name, or nullptr.
const Pass* find_pass(const std::string& name);

}  // namespace piu::passes

// One line at the end of each pass file.
#define PIU_REGISTER_PASS(Class) \
  static const bool piu_registered_##Class = ::piu::passes::register_pass(std::make_unique<Class>())
