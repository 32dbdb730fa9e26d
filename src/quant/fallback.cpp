// Accuracy-driven fallback: keep the most sensitive quantizable nodes in float until the
// quantized model meets the caller's target (output SQNR or a task metric).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "piu/quant.hpp"
#include "piu/session.hpp"

namespace piu {

namespace {

std::string db(double v) { return fmt::format("{:.1f} dB", v); }

// The progress line for one tried k (the k most sensitive nodes kept in float).
std::string tried_line(size_t k, double sqnr) {
  return fmt::format("{} most sensitive node{} in float: output SQNR {}", k, k == 1 ? "" : "s", db(sqnr));
}

}  // namespace

FallbackReport quantize_with_fallback(OnnxModel& model, const CalibrationTable& table, const QuantizeOptions& options,
                                      const AccuracyTarget& target, CalibrationSource& eval_data,
                                      const std::function<void(const std::string&)>& log) {
  auto say = [&](const std::string& s) {
    if (log) log(s);
  };
  // Evaluation batches (a tensor per model input) and the float model's outputs on them.
  std::vector<NamedTensors> batches;
  eval_data.reset();
  for (int b = 0; b < std::max(1, target.eval_batches); ++b) {
    NamedTensors t = eval_data.next_inputs();
    if (t.empty()) break;
    batches.push_back(std::move(t));
  }
  if (batches.empty()) throw Error(ErrorCode::kBadInput, eval_data.describe() + ": no items to evaluate accuracy on");
  std::vector<std::vector<Tensor>> inputs;
  std::vector<Tensor> reference;
  // Sensitivities use up to 4 items of the first batch (one session per node: the ranking needs
  // few items); the target is checked on every evaluation batch.
  std::vector<Tensor> sensitivity_input;
  std::vector<Tensor> sensitivity_reference;
  {
    SessionOptions so;
    so.intra_op_num_threads = target.threads;
    auto session = Session::open(model, so);
    for (const auto& batch : batches) {
      inputs.push_back(feeds_for(batch, session->inputs(), eval_data.describe()));
      for (auto& o : session->run(inputs.back())) reference.push_back(o.clone());
    }
    sensitivity_input = feeds_for(slice_items(batches[0], 0, std::min<int64_t>(4, item_count(batches[0]))),
                                  session->inputs(), eval_data.describe());
    for (auto& o : session->run(sensitivity_input)) sensitivity_reference.push_back(o.clone());
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
    SessionOptions so;
    so.intra_op_num_threads = target.threads;
    auto session = open_built_model(out.model, so);
    std::vector<Tensor> got;
    for (const auto& in : with_metric ? inputs : std::vector<std::vector<Tensor>>{sensitivity_input})
      for (auto& t : session->run(in)) got.push_back(t);
    out.sqnr = sqnr_db(with_metric ? reference : sensitivity_reference, got);
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
    std::map<std::string, std::string> op_of;
    for (int k = 0; k < model.proto().graph().node_size(); ++k)
      op_of[quant_node_key(model.proto().graph().node(k), static_cast<size_t>(k))] = model.proto().graph().node(k).op_type();
    // Measuring one node means a session of the whole model. Within the budget every node is
    // measured alone. With more candidates the search narrows down instead: spans of consecutive
    // nodes (graph order) are measured as a whole, the span whose exclusion raised the SQNR most
    // is split in halves and both measured, and so on until the budget is spent. Single nodes
    // found that way come first (by SQNR), then the spans left, best first, each in graph order.
    const size_t budget = target.sensitivity_runs > 0 ? static_cast<size_t>(target.sensitivity_runs) : 0;
    auto entry = [&](size_t i) {
      LayerSensitivity s;
      s.node = candidates[i];
      s.op_type = op_of[s.node];
      return s;
    };
    struct Span {
      size_t begin, end;
      double sqnr;
    };
    std::vector<Span> spans;
    auto measure = [&](size_t begin, size_t end) {
      if (end - begin == 1) {
        LayerSensitivity s = entry(begin);
        s.measured = true;
        s.sqnr_db = evaluate({candidates[begin]}, false).sqnr;
        report.sensitivities.push_back(s);
        return;
      }
      std::set<std::string> ex(candidates.begin() + static_cast<std::ptrdiff_t>(begin),
                               candidates.begin() + static_cast<std::ptrdiff_t>(end));
      spans.push_back({begin, end, evaluate(ex, false).sqnr});
    };
    if (budget == 0 || candidates.size() <= budget) {
      say("measuring the sensitivity of " + std::to_string(candidates.size()) + " nodes");
      for (size_t i = 0; i < candidates.size(); ++i) measure(i, i + 1);
    } else {
      const size_t count = std::max<size_t>(2, budget / 4);
      say(fmt::format("measuring the sensitivity of {} nodes: {} spans, then splitting the most sensitive ({} runs)",
                      candidates.size(), count, budget));
      for (size_t g = 0; g < count; ++g) measure(g * candidates.size() / count, (g + 1) * candidates.size() / count);
      for (size_t used = count; used + 2 <= budget && !spans.empty(); used += 2) {
        auto it = std::max_element(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.sqnr < b.sqnr; });
        const Span s = *it;
        spans.erase(it);
        const size_t mid = s.begin + (s.end - s.begin) / 2;
        measure(s.begin, mid);
        measure(mid, s.end);
      }
    }
    std::stable_sort(report.sensitivities.begin(), report.sensitivities.end(),
                     [](const auto& a, const auto& b) { return a.sqnr_db > b.sqnr_db; });
    std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.sqnr > b.sqnr; });
    for (const auto& sp : spans)
      for (size_t i = sp.begin; i < sp.end; ++i) {
        LayerSensitivity s = entry(i);
        s.span_sqnr_db = sp.sqnr;
        report.sensitivities.push_back(s);
      }
    // Keep the k most sensitive nodes in float for the smallest k that meets the target: k = 1, 2, 4,
    // ... until it is met, then bisect (SQNR grows with k but not strictly, so the result is the
    // smallest k found this way, not necessarily the smallest of all).
    auto first = [&](size_t k) {
      std::set<std::string> ex;
      for (size_t i = 0; i < k && i < report.sensitivities.size(); ++i) ex.insert(report.sensitivities[i].node);
      return ex;
    };
    const size_t n = report.sensitivities.size();
    size_t lo = 0, hi = 0;  // target missed at lo, met at hi (once found)
    std::optional<Outcome> at_hi;
    for (size_t k = 1;; k = std::min(n, k * 2)) {
      Outcome o = evaluate(first(k), true);
      say(tried_line(k, o.sqnr));
      if (o.met || k == n) {
        hi = k;
        at_hi = std::move(o);
        break;
      }
      lo = k;
    }
    while (at_hi->met && hi - lo > 1) {
      const size_t mid = lo + (hi - lo) / 2;
      Outcome o = evaluate(first(mid), true);
      say(tried_line(mid, o.sqnr));
      if (o.met) {
        hi = mid;
        at_hi = std::move(o);
      } else {
        lo = mid;
      }
    }
    best = std::move(*at_hi);
    for (size_t i = 0; i < hi; ++i) report.excluded.push_back(report.sensitivities[i].node);
  }
  report.target_met = best.met;
  report.sqnr_final_db = best.sqnr;
  report.metric_final = best.metric;
  report.quantize = best.report;
  model = std::move(best.model);
  return report;
}

}  // namespace piu
