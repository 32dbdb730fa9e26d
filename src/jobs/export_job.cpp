// piu export as a job: TorchScript -> ONNX, checked, verified against LibTorch, then written.
#include <fmt/format.h>

#include <map>

#include "jobs/job_json.hpp"
#include "piu/jobs.hpp"

namespace piu {

using jobs_internal::Json;

namespace {

// The graph inputs' types of an export.
ExportedModel with_input_types(OnnxModel model, const ExportReport& report) {
  ExportedModel out;
  out.model = std::move(model);
  out.report = report;
  for (const auto& v : out.model.proto().graph().input())
    if (auto d = dtype_from_onnx(v.type().tensor_type().elem_type())) out.input_dtypes.push_back(*d);
  return out;
}

// One spec per TorchScript argument: the export's shape with its dynamic dims other than the batch
// at 64, unless a verification shape names that input (or names none), named as LibTorch calls it.
// Dims named alike in --shape (ids:[batch, seq], mask:[batch, seq]) get the size a verification
// shape gave one of them.
std::vector<ShapeSpec> export_verify_shapes(const ExportJobOptions& options, const ExportReport& report) {
  std::vector<ShapeSpec> out;
  std::vector<bool> given;
  std::map<std::string, int64_t> named_sizes;
  for (size_t i = 0; i < report.inputs.size() && i < report.torch_inputs.size(); ++i) {
    const auto& in = report.inputs[i];
    ShapeSpec s{in.name, in.shape};
    s = with_dynamic_dims_fixed({s})[0];
    given.push_back(false);
    for (const auto& g : options.verify_shapes)
      if (g.name.empty() || g.name == s.name || g.name == report.torch_inputs[i]) {
        s.shape = g.shape;
        given.back() = true;
      }
    for (size_t d = 0; given.back() && d < in.dim_names.size() && d < s.shape.size(); ++d)
      if (!in.dim_names[d].empty() && s.shape[d] >= 0) named_sizes.emplace(in.dim_names[d], s.shape[d]);
    s.name = report.torch_inputs[i];
    out.push_back(s);
  }
  for (size_t i = 0; i < out.size(); ++i) {
    const auto& names = report.inputs[i].dim_names;
    for (size_t d = 0; !given[i] && d < names.size() && d < out[i].shape.size(); ++d)
      if (auto it = named_sizes.find(names[d]); it != named_sizes.end()) out[i].shape[d] = it->second;
  }
  return out;
}

// The index of the export's input called `name` (its ONNX name or forward()'s argument name; ""
// is the first), or throws kBadInput naming `what`.
size_t export_input_index(const ExportReport& report, const std::string& name, const std::string& what) {
  for (size_t i = 0; i < report.inputs.size(); ++i)
    if ((name.empty() && i == 0) || report.inputs[i].name == name || report.torch_inputs[i] == name) return i;
  std::string names;
  for (const auto& in : report.inputs) names += (names.empty() ? "" : ", ") + in.name;
  throw Error(ErrorCode::kBadInput, what + ": the model has no input '" + name + "' (inputs: " + names + ")");
}

}  // namespace

VerifyOptions for_torchscript_reference(VerifyOptions options, const ExportReport& report, const OnnxModel& exported) {
  for (auto& r : options.int_ranges) r.name = report.torch_inputs[export_input_index(report, r.name, "--int-range")];
  for (IntRange r : index_input_ranges(exported)) {
    r.name = report.torch_inputs[export_input_index(report, r.name, "index_input_ranges")];
    options.int_ranges.push_back(std::move(r));
  }
  for (auto& spec : options.shapes)
    for (size_t i = 0; i < report.inputs.size() && !spec.name.empty(); ++i)
      if (report.inputs[i].name == spec.name) {
        spec.name = report.torch_inputs[i];
        break;
      }
  for (auto& g : options.inputs) {
    const size_t i = export_input_index(report, g.name, g.source);
    TensorInfo info;
    info.name = report.inputs[i].name;
    info.dtype = report.inputs[i].dtype;
    info.shape = report.inputs[i].shape;
    check_given_input(info, g);
    g.name = report.torch_inputs[i];
  }
  return options;
}

ExportedModel export_with_input_types(const std::string& path, const ExportOptions& options) {
  ExportReport report;
  OnnxModel model = export_torchscript(path, options, &report);
  return with_input_types(std::move(model), report);
}

ExportedModel export_with_input_types(const ModelBytes& module, const ExportOptions& options) {
  ExportReport report;
  OnnxModel model = export_torchscript(module, options, &report);
  return with_input_types(std::move(model), report);
}

ExportJobReport export_job(const ExportJobOptions& options) {
  check_output_path(options.input, options.output);
  ExportJobReport out;
  out.input = options.input;
  out.output = options.output;
  out.opset = options.export_options.opset;
  const ModelBytes in_memory{options.input, options.input_bytes};
  ExportedModel exported = options.input_bytes ? export_with_input_types(in_memory, options.export_options)
                                               : export_with_input_types(options.input, options.export_options);
  out.export_report = exported.report;
  check_model(exported.model, options.output);
  VerifyOptions v = for_torchscript_reference(options.verify_options, exported.report, exported.model);
  v.input_dtypes = exported.input_dtypes;
  v.shapes = export_verify_shapes(options, exported.report);
  // Written under temp names first (a model over 2 GB gets external data), verified from that
  // file, then renamed into place.
  stage_verify_commit(std::move(exported.model), options.output, {}, [&](const std::string& staged) {
    if (!options.verify) return;
    // LibTorch runs the TorchScript module as written, ONNX Runtime the export, on the same random
    // inputs at several batch sizes, one runtime at a time.
    SessionOptions so;
    so.backend = "torch";  // whatever the input file is called
    so.intra_op_num_threads = options.threads;
    out.verify = options.input_bytes ? verify_model_files(in_memory, staged, v, so)
                                     : verify_model_files(options.input, staged, v, so);
    out.verified = true;
    require_verified(out.verify);
  });
  return out;
}

std::string ExportJobReport::to_json() const {
  Json j;
  j["input"] = input;
  j["output"] = output;
  j["opset"] = opset;
  j["torch_nodes"] = export_report.torch_nodes;
  j["inputs"] = Json::array();
  for (const auto& in : export_report.inputs)
    j["inputs"].push_back({{"name", in.name}, {"dtype", std::string(dtype_name(in.dtype))}, {"shape", in.shape},
                           {"dtype_source", in.dtype_source}});
  j["onnx_nodes"] = export_report.onnx_nodes;
  j["seconds"] = {{"load_libtorch", export_report.load_s},
                  {"read", export_report.read_s},
                  {"convert", export_report.convert_s},
                  {"finish", export_report.finish_s}};
  j["verified"] = verified;
  j["verification"] = jobs_internal::verification_json(verify);
  return j.dump(2);
}

std::string ExportJobReport::to_text() const {
  std::string s = fmt::format("exported {} TorchScript nodes to {} ONNX nodes (opset {})\n", export_report.torch_nodes,
                              export_report.onnx_nodes, opset);
  for (const auto& in : export_report.inputs)
    s += fmt::format("input {}: {} {} ({})\n", in.name, dtype_name(in.dtype), shape_to_string(in.shape), in.dtype_source);
  if (verified) s += "verified against LibTorch:\n" + format_verify_report(verify);
  return s + "wrote " + output + "\n";
}

std::string format_converter_list(bool json) {
  const auto kinds = supported_torch_ops();
  if (json) return Json(kinds).dump(1) + "\n";
  std::string s;
  for (const auto& k : kinds) s += k + "\n";
  return s;
}

}  // namespace piu
