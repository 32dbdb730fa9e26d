// piu graph optimizer: named passes over ONNX graphs (the seed's onnxoptimizer pass list, as our
// own passes), weight rounding, and the ONNX checker.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "piu/onnx.hpp"

namespace piu {

// The seed's pass list, in the seed's order (pytorch_infer_utils' onnx_optimize_params).
std::vector<std::string> default_passes();

struct PassInfo {
  std::string name;
  std::string description;  // one line
};
// Every registered pass, sorted by name.
std::vector<PassInfo> registered_passes();

struct OptimizeOptions {
  std::vector<std::string> passes = default_passes();
  // Repeat the whole list until no pass changes the graph (at most max_iterations rounds).
  bool fixed_point = false;
  int max_iterations = 16;
  // Run ONNX shape inference first (passes read types and shapes). A caller that has just run it
  // on this graph (the simplifier, each round) turns it off.
  bool infer_shapes = true;
};

struct PassReport {
  std::string name;
  int64_t applications = 0;   // rewrites that changed the graph (subgraphs included)
  int64_t nodes_removed = 0;  // net nodes removed by this pass (negative when it added nodes)
};

struct OptimizeReport {
  std::vector<PassReport> passes;  // one entry per pass name, in list order
  int iterations = 0;              // rounds over the pass list
  int64_t nodes_before = 0;        // nodes over the graph and its subgraphs
  int64_t nodes_after = 0;
};

// Runs the named passes over the model's graph and every subgraph (If/Loop/Scan bodies), deleting
// dead nodes as it goes. Graph inputs and outputs keep their names. Throws kBadInput for unknown
// pass names (listing the known ones), graphs with cycles, nodes that consume undefined values,
// duplicate output names and opsets newer than piu knows.
OptimizeReport optimize(OnnxModel& model, const OptimizeOptions& options = {});

// Checks the main graph's structure as optimize does before its first edit: no cycle, no node
// consuming an undefined value, no value defined twice. Throws kBadInput "<file>: graph 'g': <node>
// <problem>" (the model's path, or "model"). Every command that loads a model goes through it
// (optimize here, sessions opening an ONNX file), so one model gets one answer everywhere.
void validate_graph(const OnnxModel& model);

// Validates a model with the ONNX checker (full check, shape inference included). Throws
// kBadInput with the checker's message, prefixed with `what` (e.g. the file name).
void check_model(const OnnxModel& model, const std::string& what = "model");

struct RoundReport {
  int64_t tensors = 0;           // floating-point initializers looked at
  int64_t values = 0;            // their elements
  int64_t values_changed = 0;    // elements whose bits changed
  int64_t denormals_before = 0;  // subnormal elements before rounding
  int64_t denormals_after = 0;
};

// Rounds every floating-point initializer (and Constant node value) to `digits` decimal places,
// computed in double precision: values below 0.5e-digits, denormals among them, become 0; larger
// values keep their float value. The seed's load_weights_rounded_model, on ONNX.
RoundReport round_weights(OnnxModel& model, int digits = 16);

}  // namespace piu
