// Model summaries for `piu inspect`.
#include <algorithm>
#include <charconv>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "onnx/graph_utils.hpp"
#include "piu/onnx.hpp"

namespace piu {

namespace {

ValueSummary summarize(const onnx::ValueInfoProto& v) {
  ValueSummary s;
  s.name = v.name();
  if (!v.type().has_tensor_type()) {
    s.dtype = v.type().has_sequence_type() ? "sequence" : v.type().has_map_type() ? "map" : "?";
    s.rank_known = false;
    return s;
  }
  const auto& tt = v.type().tensor_type();
  auto dtype = dtype_from_onnx(tt.elem_type());
  s.dtype = dtype ? std::string(dtype_name(*dtype)) : onnx_elem_type_name(tt.elem_type());
  s.rank_known = tt.has_shape();
  if (s.rank_known)
    for (const auto& d : tt.shape().dim())
      s.dims.push_back(d.has_dim_value() ? std::to_string(d.dim_value()) : d.has_dim_param() ? d.dim_param() : "?");
  return s;
}

void walk(const onnx::GraphProto& g, ModelInfo& info) {
  for (const auto& t : g.initializer()) {
    info.initializers += 1;
    info.parameters += graph_utils::tensor_element_count(t);
    info.parameter_bytes += graph_utils::tensor_byte_size(t);
  }
  for (const auto& node : g.node()) {
    const std::string key = graph_utils::is_onnx_domain(node) ? node.op_type() : node.domain() + "." + node.op_type();
    info.op_histogram[key] += 1;
    info.nodes += 1;
    graph_utils::for_each_subgraph(node, [&](const onnx::GraphProto& sub) { walk(sub, info); });
  }
}

std::string dims_text(const ValueSummary& v) {
  if (!v.rank_known) return "?";
  std::string s = "[";
  for (size_t i = 0; i < v.dims.size(); ++i) s += (i ? ", " : "") + v.dims[i];
  return s + "]";
}

std::string human_bytes(int64_t b) {
  std::ostringstream ss;
  ss << std::fixed << std::setprecision(1);
  if (b >= (int64_t{1} << 30))
    ss << static_cast<double>(b) / (1 << 30) << " GiB";
  else if (b >= (1 << 20))
    ss << static_cast<double>(b) / (1 << 20) << " MiB";
  else if (b >= (1 << 10))
    ss << static_cast<double>(b) / (1 << 10) << " KiB";
  else
    ss << std::setprecision(0) << static_cast<double>(b) << " B";
  return ss.str();
}

}  // namespace

ModelInfo inspect(const OnnxModel& model) {
  ModelInfo info;
  const auto& p = model.proto();
  info.path = model.path();
  info.ir_version = p.ir_version();
  info.producer = p.producer_name() + (p.producer_version().empty() ? "" : " " + p.producer_version());
  for (const auto& o : p.opset_import()) info.opsets[o.domain().empty() ? "ai.onnx" : o.domain()] = o.version();
  const auto& g = p.graph();
  std::set<std::string> initializer_names;
  for (const auto& t : g.initializer()) initializer_names.insert(t.name());
  for (const auto& v : g.input())
    if (!initializer_names.count(v.name())) info.inputs.push_back(summarize(v));
  for (const auto& v : g.output()) info.outputs.push_back(summarize(v));
  walk(g, info);
  info.external_files = model.external_files();
  return info;
}

std::string format_model_info(const ModelInfo& info) {
  std::ostringstream out;
  out << "model      " << info.path << "\n";
  out << "ir_version " << info.ir_version << "\n";
  if (!info.producer.empty()) out << "producer   " << info.producer << "\n";
  out << "opsets     ";
  bool first = true;
  for (const auto& [domain, version] : info.opsets) {
    out << (first ? "" : ", ") << domain << " " << version;
    first = false;
  }
  out << "\n\n";
  size_t name_w = 4, type_w = 5;
  for (const auto* list : {&info.inputs, &info.outputs})
    for (const auto& v : *list) {
      name_w = std::max(name_w, v.name.size());
      type_w = std::max(type_w, v.dtype.size());
    }
  auto section = [&](const char* title, const std::vector<ValueSummary>& values) {
    out << title << "\n";
    out << "  " << std::left << std::setw(static_cast<int>(name_w)) << "name"
        << "  " << std::setw(static_cast<int>(type_w)) << "dtype"
        << "  shape\n";
    for (const auto& v : values)
      out << "  " << std::setw(static_cast<int>(name_w)) << v.name << "  " << std::setw(static_cast<int>(type_w))
          << v.dtype << "  " << dims_text(v) << "\n";
  };
  section("inputs", info.inputs);
  section("outputs", info.outputs);
  out << "\nnodes      " << info.nodes << " (" << info.op_histogram.size() << " op types)\n";
  out << "parameters " << info.parameters << " in " << info.initializers << " initializers, "
      << human_bytes(info.parameter_bytes) << "\n";
  if (!info.external_files.empty()) {
    out << "external data\n";
    for (const auto& f : info.external_files)
      out << "  " << f.location << "  " << f.tensors << " tensors, " << human_bytes(static_cast<int64_t>(f.bytes))
          << "\n";
  }
  std::vector<std::pair<std::string, int64_t>> ops(info.op_histogram.begin(), info.op_histogram.end());
  std::stable_sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  size_t op_w = 7;
  for (const auto& [op, n] : ops) op_w = std::max(op_w, op.size());
  out << "\nop histogram\n";
  for (const auto& [op, n] : ops) out << "  " << std::setw(static_cast<int>(op_w)) << op << "  " << n << "\n";
  return out.str();
}

std::string model_info_json(const ModelInfo& info) {
  using nlohmann::ordered_json;
  auto values = [](const std::vector<ValueSummary>& list) {
    ordered_json arr = ordered_json::array();
    for (const auto& v : list) {
      ordered_json dims = ordered_json::array();
      for (const auto& d : v.dims) {
        // A number when all digits and within int64: a symbolic name may be all digits too
        // ("99999999999999999999" stays a string, fuzz/crashes/onnx/).
        int64_t value = 0;
        const bool numeric = !d.empty() && d.find_first_not_of("0123456789") == std::string::npos &&
                             std::from_chars(d.data(), d.data() + d.size(), value).ec == std::errc();
        if (numeric)
          dims.push_back(value);
        else
          dims.push_back(d);
      }
      arr.push_back({{"name", v.name}, {"dtype", v.dtype}, {"shape", v.rank_known ? dims : ordered_json(nullptr)}});
    }
    return arr;
  };
  ordered_json j;
  j["path"] = info.path;
  j["ir_version"] = info.ir_version;
  j["producer"] = info.producer;
  j["opsets"] = info.opsets;
  j["inputs"] = values(info.inputs);
  j["outputs"] = values(info.outputs);
  j["nodes"] = info.nodes;
  j["op_histogram"] = info.op_histogram;
  j["initializers"] = info.initializers;
  j["parameters"] = info.parameters;
  j["parameter_bytes"] = info.parameter_bytes;
  ordered_json ext = ordered_json::array();
  for (const auto& f : info.external_files)
    ext.push_back({{"location", f.location}, {"bytes", f.bytes}, {"tensors", f.tensors}});
  j["external_data"] = ext;
  // Names are bytes in ONNX: invalid UTF-8 becomes U+FFFD rather than an exception from the
  // serializer (exit 3; found by fuzz_onnx, fuzz/crashes/onnx/).
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace piu
