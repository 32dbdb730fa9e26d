// Module attributes as constants: what torch::jit::freeze does for parameters and attributes,
// done again on the inlined graph for what freezing left (attributes it keeps because forward()
// writes some attribute of the module, or every attribute when LibTorch cannot freeze the module).
#include "backends/torch/module_attributes.hpp"

#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace piu::ir {

namespace {

using Object = c10::intrusive_ptr<c10::ivalue::Object>;

// Calls fn on every node of the block and of its sub-blocks, in order.
template <typename Fn>
void for_each_node(torch::jit::Block* block, Fn&& fn) {
  for (torch::jit::Node* n : block->nodes()) {
    fn(n);
    for (torch::jit::Block* b : n->blocks()) for_each_node(b, fn);
  }
}

}  // namespace

int resolve_module_attributes(torch::jit::Graph& graph, const torch::jit::Module& module) {
  if (graph.inputs().empty()) return 0;
  std::unordered_map<const torch::jit::Value*, Object> objects;  // values known to be this module or a submodule
  objects[graph.inputs()[0]] = module._ivalue();
  std::set<std::pair<const c10::ivalue::Object*, std::string>> written;
  std::vector<torch::jit::Node*> reads;
  for_each_node(graph.block(), [&](torch::jit::Node* n) {
    const bool get = n->kind() == c10::prim::GetAttr, set = n->kind() == c10::prim::SetAttr;
    if (!get && !set) return;
    auto it = objects.find(n->input(0));
    if (it == objects.end()) return;
    const std::string name = n->s(c10::attr::name);
    if (set) {
      written.insert({it->second.get(), name});
      return;
    }
    const Object& owner = it->second;
    if (!owner->type()->hasAttribute(name)) return;
    const c10::IValue value = owner->getAttr(name);
    if (value.isObject()) objects[n->output()] = value.toObject();
    else reads.push_back(n);
  });
  int replaced = 0;
  for (torch::jit::Node* n : reads) {
    const Object& owner = objects.at(n->input(0));
    const std::string name = n->s(c10::attr::name);
    if (written.count({owner.get(), name})) continue;  // state forward() changes: not a constant
    c10::IValue value = owner->getAttr(name);
    if (value.isTensor()) value = value.toTensor().detach();
    torch::jit::WithInsertPoint here(n);
    c10::optional<torch::jit::Value*> constant = torch::jit::tryInsertConstant(graph, value);
    if (!constant) continue;  // a value no constant holds (a dict, an object): left to the reader's report
    if (n->output()->hasDebugName()) (*constant)->setDebugName(n->output()->debugName());
    n->output()->replaceAllUsesWith(*constant);
    n->destroy();
    ++replaced;
  }
  return replaced;
}

}  // namespace piu::ir
