// Accuracy-driven fallback: keep the most sensitive quantizable nodes in float until the
// quantized model meets the caller's target (output SQNR or a task metric).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "piu/quant.hpp"
#include "piu/session.hpp"

namespace piu {

namespace {

std::string db(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f dB", v);
  return buf;
}

}  // namespace

FallbackReport quantize_with_fallback(OnnxModel& model, const CalibrationTable& table, const QuantizeOptions& options,
                                      const AccuracyTarget& target, CalibrationSource& eval_data,
                                      const std::function<void(const std::string&)>& log) {
  auto say = [&](const std::string& s) {
    if (log) log(s);
  };
  // Evaluation batches and the float model's outputs on them.
  std::vector<Tensor> inputs;
  eval_data.reset();
  for (int b = 0; b < std::max(1, target.eval_batches); ++b) {
    Tensor t = eval_data.next_batch();
    if (!t.defined()) break;
    inputs.push_back(t);
  }
  if (inputs.empty()) throw Error(ErrorCode::kBadInput, eval_data.describe() + ": no items to evaluate accuracy on");
  std::vector<Tensor> reference;
  {
    auto session = Session::open(model);
    if (session->inputs().size() != 1)
      throw Error(ErrorCode::kUnsupported, "accuracy evaluation feeds one input; the model has " +
                                               std::to_string(session->inputs().size()));
    for (auto& in : inputs) {
      if (in.dtype() != session->inputs()[0].dtype && is_floating(in.dtype())) {
        Tensor f = Tensor::zeros(DType::kFloat32, in.shape());
        for (int64_t i = 0; i < in.numel(); ++i) f.data_as<float>()[i] = static_cast<float>(element_as_double(in, i));
        in = f;
      }
      for (auto& o : session->run({in})) reference.push_back(o.clone());
    }
  }

  struct Outcome {
    double sqnr = 0;
    double metric = 0;
    bool met = false;
    QuantizeReport report;
    OnnxModel model;
  };
  auto evaluate = [&](const std::set<std::string>& exclude, bool with_metric) {
    Outcome out;
    out.model = OnnxModel(model.proto(), model.path());
    QuantizeOptions o = options;
    o.exclude_nodes.insert(exclude.begin(), exclude.end());
    out.report = quantize_qdq(out.model, table, o);
    auto session = Session::open(out.model);
    std::vector<Tensor> got;
    for (const auto& in : inputs)
      for (auto& t : session->run({in})) got.push_back(t);
    out.sqnr = sqnr_db(reference, got);
    bool ok = true;
    if (target.min_sqnr_db > 0) ok = out.sqnr >= target.min_sqnr_db;
    if (target.metric && with_metric) {
      out.metric = target.metric(*session);
      ok = ok && out.metric >= target.min_metric;
    }
    out.met = ok;
    return out;
  };

  FallbackReport report;
  Outcome best = evaluate({}, true);
  report.sqnr_all_db = best.sqnr;
  report.metric_all = best.metric;
  say("all quantizable nodes in int8: output SQNR " + db(best.sqnr) +
      (target.metric ? ", metric " + std::to_string(best.metric) : ""));
  if (!best.met) {
    // Sensitivity: how much keeping each node alone in float raises the output SQNR.
    std::vector<std::string> candidates;
    for (const auto& n : best.report.quantizable_nodes)
      if (!options.exclude_nodes.count(n)) candidates.push_back(n);
    say("measuring the sensitivity of " + std::to_string(candidates.size()) + " nodes");
    std::map<std::string, std::string> op_of;
    int k = 0;
    for (const auto& node : model.proto().graph().node()) {
      op_of[node.name().empty() ? node.op_type() + "#" + std::to_string(k) : node.name()] = node.op_type();
      ++k;
    }
    for (const auto& c : candidates) {
      LayerSensitivity s;
      s.node = c;
      s.op_type = op_of[c];
      s.sqnr_db = evaluate({c}, false).sqnr;
      report.sensitivities.push_back(s);
    }
    std::stable_sort(report.sensitivities.begin(), report.sensitivities.end(),
                     [](const auto& a, const auto& b) { return a.sqnr_db > b.sqnr_db; });
    std::set<std::string> exclude;
    for (const auto& s : report.sensitivities) {
      exclude.insert(s.node);
      report.excluded.push_back(s.node);
      best = evaluate(exclude, true);
      say("kept " + s.node + " (" + s.op_type + ") in float: output SQNR " + db(best.sqnr) +
          (target.metric ? ", metric " + std::to_string(best.metric) : ""));
      if (best.met) break;
    }
  }
  report.target_met = best.met;
  report.sqnr_final_db = best.sqnr;
  report.metric_final = best.metric;
  report.quantize = best.report;
  model = std::move(best.model);
  return report;
}

}  // namespace piu
