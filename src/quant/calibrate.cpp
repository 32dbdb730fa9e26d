// Activation ranges: the model runs on ONNX Runtime with every float tensor exposed as an output;
// per tensor a streaming min/max and |x| histogram; thresholds by min-max, entropy (TensorRT's
// EntropyCalibration2 rule) or percentile.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "piu/quant.hpp"
#include "piu/session.hpp"
#include "piu/simplify.hpp"

namespace piu {

namespace {

// One tensor's statistics over all batches.
struct Stats {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::vector<double> hist;  // |x| histogram, bins of width `width` from 0
  double width = 0;
  bool seen = false;
};

void add_values(Stats& s, const float* v, int64_t n, bool histogram, int bins) {
  if (n == 0) return;
  float lo = v[0], hi = v[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  s.min = std::min<double>(s.min, lo);
  s.max = std::max<double>(s.max, hi);
  s.seen = true;
  if (!histogram) return;
  const double amax = std::max(std::fabs(lo), std::fabs(hi));
  if (s.hist.empty()) {
    // The first chunk fixes the bin width: `bins` bins up to its |x| max (later values extend it).
    s.width = amax > 0 ? amax / bins : 0;
    s.hist.assign(bins, 0.0);
  }
  if (s.width == 0) {
    if (amax == 0) {
      s.hist[0] += static_cast<double>(n);
      return;
    }
    // Everything so far was 0: start over with this chunk's range, keeping the zeros in bin 0.
    const double zeros = std::accumulate(s.hist.begin(), s.hist.end(), 0.0);
    s.width = amax / bins;
    s.hist.assign(bins, 0.0);
    s.hist[0] = zeros;
  }
  const double top = s.width * static_cast<double>(s.hist.size());
  if (amax > top) {
    // Same width, more bins (as TensorRT's and ONNX Runtime's streaming histograms do).
    const size_t need = static_cast<size_t>(std::floor(amax / s.width)) + 1;
    s.hist.resize(need, 0.0);
  }
  const double inv = 1.0 / s.width;
  const size_t last = s.hist.size() - 1;
  double* h = s.hist.data();
  for (int64_t i = 0; i < n; ++i) {
    size_t b = static_cast<size_t>(std::fabs(v[i]) * inv);
    h[b > last ? last : b] += 1.0;
  }
}

}  // namespace

std::string calibration_method_name(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::kMinMax:
      return "minmax";
    case CalibrationMethod::kEntropy:
      return "entropy";
    case CalibrationMethod::kPercentile:
      return "percentile";
  }
  return "?";
}

CalibrationMethod parse_calibration_method(const std::string& name) {
  if (name == "minmax" || name == "min-max") return CalibrationMethod::kMinMax;
  if (name == "entropy") return CalibrationMethod::kEntropy;
  if (name == "percentile") return CalibrationMethod::kPercentile;
  throw Error(ErrorCode::kBadInput, "unknown calibration method '" + name + "' (known: entropy, minmax, percentile)");
}

float TensorRange::lo() const { return std::min(0.0f, std::max(min, -amax)); }
float TensorRange::hi() const { return std::max(0.0f, std::min(max, amax)); }

double entropy_threshold(const std::vector<double>& histogram, double bin_width) {
  constexpr size_t kLevels = 128;
  const size_t n = histogram.size();
  if (n <= kLevels) return static_cast<double>(n) * bin_width;
  std::vector<double> bins = histogram;
  bins[0] = bins[1];  // TensorRT ignores the spike of exact zeros (ReLU outputs)
  // Prefix sums over bins: counts, non-empty bins, and b log b of the normalized counts.
  std::vector<double> sum(n + 1, 0.0), nonzero(n + 1, 0.0), plogp(n + 1, 0.0);
  for (size_t j = 0; j < n; ++j) {
    sum[j + 1] = sum[j] + bins[j];
    nonzero[j + 1] = nonzero[j] + (bins[j] != 0 ? 1.0 : 0.0);
  }
  const double total = sum[n];
  if (total == 0) return 0;
  for (size_t j = 0; j < n; ++j) {
    const double p = bins[j] / total;
    plogp[j + 1] = plogp[j] + (p > 0 ? p * std::log(p) : 0.0);
  }
  // For a threshold of i bins, with p the reference (bins [0, i), everything above folded into bin
  // i-1) and q the candidate (bins [0, i) merged into 128 levels, each level's count spread evenly
  // over its non-empty bins), both normalized:
  //   KL(p || q) = sum_j p_j log p_j - sum_levels P_g log(avg_g / Q),
  // where P_g is p's mass in level g, avg_g the level's count per non-empty bin and Q the sum of
  // bins [0, i). Levels are bins [ceil(g i / 128), ceil((g + 1) i / 128)), so every term comes
  // from the prefix sums: O(128) per threshold instead of O(i).
  double best = std::numeric_limits<double>::infinity();
  size_t best_i = n;
  for (size_t i = kLevels; i <= n; ++i) {
    const double outliers = total - sum[i];
    if (bins[i - 1] == 0 && outliers > 0) continue;  // p > 0 where q = 0: infinite divergence
    const double last = (bins[i - 1] + outliers) / total;
    double kl = plogp[i - 1] + (last > 0 ? last * std::log(last) : 0.0);
    const double q_total = sum[i];
    for (size_t g = 0; g < kLevels; ++g) {
      const size_t a = (g * i + kLevels - 1) / kLevels, b = ((g + 1) * i + kLevels - 1) / kLevels;
      const double count = nonzero[b] - nonzero[a];
      if (count == 0) continue;
      double mass = (sum[b] - sum[a]) / total;
      if (b == i) mass += outliers / total;
      kl -= mass * std::log((sum[b] - sum[a]) / count / q_total);
    }
    if (kl <= best) {  // ties: the larger threshold
      best = kl;
      best_i = i;
    }
  }
  return static_cast<double>(best_i) * bin_width;
}

double percentile_threshold(const std::vector<double>& histogram, double bin_width, double percentile) {
  if (percentile <= 0 || percentile > 100)
    throw Error(ErrorCode::kBadInput, "percentile must be in (0, 100], not " + std::to_string(percentile));
  double total = 0;
  for (double h : histogram) total += h;
  if (total == 0) return 0;
  const double want = percentile / 100.0;
  double cum = 0;
  for (size_t i = 0; i < histogram.size(); ++i) {
    cum += histogram[i];
    if (cum / total >= want) return static_cast<double>(i) * bin_width;
  }
  return static_cast<double>(histogram.size()) * bin_width;
}

CalibrationTable calibrate(const OnnxModel& model, CalibrationSource& source, const CalibrationOptions& options) {
  if (options.histogram_bins < 128)
    throw Error(ErrorCode::kBadInput, "histogram_bins must be at least 128, not " + std::to_string(options.histogram_bins));
  // A copy whose outputs are every float tensor the graph computes or takes as input.
  OnnxModel augmented(model.proto(), model.path());
  infer_shapes(augmented);
  auto& g = *augmented.proto().mutable_graph();
  if (g.input_size() - 0 < 1) throw Error(ErrorCode::kBadInput, "the model has no inputs to calibrate");
  std::set<std::string> initializers;
  for (const auto& t : g.initializer()) initializers.insert(t.name());
  std::vector<std::string> input_names;
  for (const auto& in : g.input())
    if (!initializers.count(in.name())) input_names.push_back(in.name());
  std::map<std::string, int32_t> types;
  for (const auto* list : {&g.input(), &g.output(), &g.value_info()})
    for (const auto& vi : *list)
      if (vi.type().has_tensor_type()) types[vi.name()] = vi.type().tensor_type().elem_type();
  std::vector<std::string> names;
  std::set<std::string> seen;
  auto want = [&](const std::string& name) {
    if (name.empty() || initializers.count(name) || seen.count(name)) return;
    auto it = types.find(name);
    if (it == types.end() || it->second != onnx::TensorProto::FLOAT) return;
    seen.insert(name);
    names.push_back(name);
  };
  for (const auto& name : input_names) want(name);
  for (const auto& node : g.node())
    for (const auto& o : node.output()) want(o);
  std::set<std::string> outputs;
  for (const auto& o : g.output()) outputs.insert(o.name());
  for (const auto& n : names) {
    if (outputs.count(n)) continue;
    auto* vi = g.add_output();
    vi->set_name(n);
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  g.clear_value_info();

  SessionOptions so;
  so.intra_op_num_threads = options.threads;
  auto session = Session::open(augmented, so);
  { OnnxModel drop = std::move(augmented); }  // the session holds its own copy
  const std::vector<TensorInfo>& inputs = session->inputs();
  const TensorInfo& input = inputs[0];  // its static batch dim, if any, sizes the chunks
  std::map<std::string, size_t> in_index, out_index;
  for (size_t i = 0; i < inputs.size(); ++i) in_index[inputs[i].name] = i;
  for (size_t i = 0; i < session->outputs().size(); ++i) out_index[session->outputs()[i].name] = i;

  const bool histogram = options.method != CalibrationMethod::kMinMax;
  std::vector<Stats> stats(names.size());
  CalibrationTable table;
  table.method = options.method;
  const int64_t static_batch = !input.shape.empty() && input.shape[0] > 0 ? input.shape[0] : -1;
  int64_t chunk = static_batch > 0 ? static_batch : 1;
  bool chunk_known = static_batch > 0 || options.max_activation_bytes == 0;
  source.reset();
  for (NamedTensors named = source.next_inputs(); !named.empty(); named = source.next_inputs()) {
    const std::vector<Tensor> batch = feeds_for(named, inputs, source.describe());
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i].rank_known && batch[i].rank() != inputs[i].shape.size())
        throw Error(ErrorCode::kBadInput, source.describe() + ": a batch of items has shape " +
                                              shape_to_string(batch[i].shape()) + " but input '" + inputs[i].name +
                                              "' is " + shape_to_string(inputs[i].shape));
      if (batch[i].rank() == 0 || batch[i].dim(0) != batch[0].dim(0))
        throw Error(ErrorCode::kBadInput, source.describe() + ": input '" + inputs[i].name +
                                              "' does not hold the batch's items along its first dim");
    }
    const int64_t items = batch[0].dim(0);
    if (options.max_activation_bytes == 0 && static_batch < 0) chunk = items;
    for (int64_t begin = 0; begin < items;) {
      int64_t end = std::min(items, begin + chunk);
      std::vector<Tensor> part;
      for (const Tensor& t : batch) {
        if (static_batch > 0 && end - begin < static_batch) {
          // A static batch dim: fill the last chunk by repeating its items.
          std::vector<Tensor> rows;
          for (int64_t r = 0; r < static_batch; ++r) {
            const int64_t row = begin + r % (end - begin);
            rows.push_back(t.slice_rows(row, row + 1));
          }
          part.push_back(concat_rows(rows));
        } else {
          part.push_back(t.slice_rows(begin, end));
        }
      }
      std::vector<Tensor> outs;
      try {
        outs = session->run(part);
      } catch (const Error& e) {
        throw e.with_context("calibrating on " + source.describe());
      }
      uint64_t bytes = 0;
      for (size_t k = 0; k < names.size(); ++k) {
        auto in = in_index.find(names[k]);
        const Tensor& t = in != in_index.end() ? part[in->second] : outs[out_index.at(names[k])];
        if (t.dtype() != DType::kFloat32) continue;
        bytes += t.nbytes();
        add_values(stats[k], t.data_as<float>(), t.numel(), histogram, options.histogram_bins);
      }
      if (!chunk_known) {
        // Size the chunks from what one item's activations take.
        const uint64_t per_item = std::max<uint64_t>(1, bytes / static_cast<uint64_t>(end - begin));
        chunk = std::max<int64_t>(1, static_cast<int64_t>(options.max_activation_bytes / per_item));
        chunk_known = true;
      }
      begin = end;
    }
    table.items += items;
    table.batches += 1;
    if (options.progress) options.progress(table.items, source.size());
  }
  if (table.items == 0) throw Error(ErrorCode::kBadInput, source.describe() + ": no calibration items");

  for (size_t k = 0; k < names.size(); ++k) {
    const Stats& s = stats[k];
    if (!s.seen) continue;
    TensorRange r;
    r.min = static_cast<float>(s.min);
    r.max = static_cast<float>(s.max);
    const double abs_max = std::max(std::fabs(s.min), std::fabs(s.max));
    double amax = abs_max;
    if (options.method == CalibrationMethod::kEntropy && s.width > 0) amax = entropy_threshold(s.hist, s.width);
    if (options.method == CalibrationMethod::kPercentile && s.width > 0)
      amax = percentile_threshold(s.hist, s.width, options.percentile);
    r.amax = static_cast<float>(std::min(amax, abs_max));
    table.ranges[names[k]] = r;
  }
  return table;
}

}  // namespace piu
