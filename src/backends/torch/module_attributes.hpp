// Module attributes in a TorchScript graph (prim::GetAttr chains from `self`), resolved to
// constants for the exporter's reader where forward() only reads them.
#pragma once

#include <torch/script.h>

namespace piu::ir {

// Replaces each prim::GetAttr that reads an attribute of `module` or of one of its submodules
// (through chains of prim::GetAttr from the graph's first input, `self`) with a constant of the
// attribute's value: tensors (parameters, buffers), numbers, bools, strings and lists of them.
// Attributes that forward() writes (prim::SetAttr) keep their prim::GetAttr, as do values a
// constant cannot hold. Returns the number of attributes replaced.
int resolve_module_attributes(torch::jit::Graph& graph, const torch::jit::Module& module);

}  // namespace piu::ir
