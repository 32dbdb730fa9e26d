// The jobs that run models without writing one: inspect, run, bench, compare.
#include <fmt/format.h>

#include <unistd.h>

#include <filesystem>

#include "jobs/job_json.hpp"
#include "piu/jobs_session.hpp"
#include "piu/onnx.hpp"

namespace piu {

using jobs_internal::Json;

std::vector<Tensor> make_inputs(const Session& session, const InputOptions& options, int64_t batch) {
  const auto& infos = session.inputs();
  std::vector<Tensor> given(infos.size());
  for (GivenInput& g : read_given_inputs(options.files)) {
    if (infos.empty()) throw Error(ErrorCode::kBadInput, "the model takes no inputs");
    const size_t index = g.name.empty() ? 0 : session.input_index(g.name);
    if (given[index].defined()) throw Error(ErrorCode::kBadInput, "input '" + infos[index].name + "' given twice");
    given[index] = std::move(g.tensor);
  }
  // Random tensors for the rest; their dynamic dims follow the shapes, or the given tensors' batch.
  std::vector<TensorInfo> missing;
  for (size_t i = 0; i < infos.size(); ++i)
    if (!given[i].defined()) missing.push_back(infos[i]);
  if (missing.empty()) return given;
  for (const auto& g : given)
    if (g.defined() && g.rank() > 0 && !options.fixed_batch) batch = g.dim(0);
  std::vector<ShapeSpec> shapes;
  for (const auto& s : options.shapes) {
    if (!s.name.empty()) session.input_index(s.name);  // an unknown name is an error
    bool used = s.name.empty();
    for (const auto& m : missing) used = used || m.name == s.name;
    if (used) shapes.push_back(s);
  }
  RandomInputOptions random_options;
  random_options.shapes = std::move(shapes);
  random_options.batch = batch;
  random_options.seed = options.seed;
  for (const auto& r : options.int_ranges) {
    session.input_index(r.name);  // an unknown name is an error
    for (const auto& m : missing)
      if (m.name == r.name) random_options.int_ranges.push_back(r);
  }
  bool integer_missing = false;
  for (const auto& m : missing) integer_missing = integer_missing || (!is_floating(m.dtype) && m.dtype != DType::kBool);
  if (integer_missing && std::filesystem::path(options.model_path).extension() == ".onnx") {
    LoadOptions load;
    load.load_external_data = false;
    // The user's ranges come first: make_random_inputs takes the first range of a name.
    for (auto& r : index_input_ranges(OnnxModel::load(options.model_path, load)))
      for (const auto& m : missing)
        if (m.name == r.name) random_options.int_ranges.push_back(r);
  }
  auto random = make_random_inputs(missing, random_options);
  size_t r = 0;
  for (auto& g : given)
    if (!g.defined()) g = std::move(random[r++]);
  return given;
}

std::string file_name_for(const std::string& tensor_name) {
  // Percent-escaping is injective ('%' itself is escaped), so two outputs never share a file; a
  // leading '.' is escaped too (no hidden files, no "." or ".."), and the empty name is "%".
  if (tensor_name.empty()) return "%";
  std::string out;
  for (size_t i = 0; i < tensor_name.size(); ++i) {
    const auto c = static_cast<unsigned char>(tensor_name[i]);
    if (std::isalnum(c) || c == '-' || c == '_' || (c == '.' && i > 0))
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// ---- inspect ----

InspectJobReport inspect_job(const std::string& path) {
  return {inspect(OnnxModel::load(path, LoadOptions{.load_external_data = false}))};
}
std::string InspectJobReport::to_json() const { return model_info_json(info); }
std::string InspectJobReport::to_text() const { return format_model_info(info); }

// ---- run ----

namespace {

struct Stats {
  double min = 0, max = 0, mean = 0;
};

Stats stats_of(const Tensor& t) {
  Stats s;
  if (t.numel() == 0) return s;
  s.min = s.max = element_as_double(t, 0);
  double sum = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = element_as_double(t, i);
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    sum += v;
  }
  s.mean = sum / static_cast<double>(t.numel());
  return s;
}

std::string head_values(const Tensor& t, int count) {
  std::string out = "[";
  for (int64_t i = 0; i < std::min<int64_t>(count, t.numel()); ++i)
    out += fmt::format("{}{:.5g}", i ? ", " : "", element_as_double(t, i));
  return out + (t.numel() > count ? ", ...]" : "]");
}

// Writes each output as DIR/NAME.npy, creating DIR (and missing parents) only now that the run
// succeeded. If a write fails, or a signal ends the process meanwhile, the folders created here
// are removed again with what was written into them.
void write_outputs(const std::string& dir, const std::vector<TensorInfo>& infos, const std::vector<Tensor>& outputs) {
  namespace fs = std::filesystem;
  std::vector<fs::path> created;  // outermost first
  for (fs::path p = fs::path(dir).lexically_normal(); !p.empty() && !fs::exists(p); p = p.parent_path()) {
    created.insert(created.begin(), p);
    if (p == p.parent_path()) break;
  }
  std::vector<RemoveOnSignal> guards;
  std::error_code ec;
  for (const fs::path& p : created) {
    if (!fs::create_directory(p, ec) && ec) {
      const std::string why = ec.message();
      for (auto it = created.rbegin(); it != created.rend(); ++it) fs::remove(*it, ec);
      throw Error(ErrorCode::kIo, "cannot create --output folder " + dir + ": " + why);
    }
    guards.emplace_back(p.string(), RemoveOnSignal::Kind::kFolder);
  }
  try {
    for (size_t i = 0; i < outputs.size(); ++i) {
      const std::string path = (fs::path(dir) / (file_name_for(infos[i].name) + ".npy")).string();
      if (!created.empty()) guards.emplace_back(path, RemoveOnSignal::Kind::kFile);
      write_npy(path, outputs[i]);
    }
  } catch (...) {
    if (!created.empty()) fs::remove_all(created.front(), ec);
    throw;
  }
}

}  // namespace

RunJobReport run_job(const RunJobOptions& options) {
  namespace fs = std::filesystem;
  // Check the output folder before spending time on the model.
  const std::string& dir = options.output_dir;
  if (!dir.empty()) {
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
      throw Error(ErrorCode::kBadInput, "--output " + dir + " exists and is not a folder");
    // The nearest folder that exists must be one piu can write into.
    fs::path existing = fs::path(dir).lexically_normal();
    while (!existing.empty() && !fs::exists(existing, ec) && existing != existing.parent_path())
      existing = existing.parent_path();
    if (existing.empty()) existing = ".";
    if (!fs::is_directory(existing, ec))
      throw Error(ErrorCode::kBadInput, "--output " + dir + ": " + existing.string() + " is not a folder");
    if (::access(existing.c_str(), W_OK) != 0)
      throw Error(ErrorCode::kIo, "--output " + dir + ": cannot write into " + existing.string());
  }
  RunJobReport r;
  r.model = options.model;
  r.output_dir = dir;
  auto session = Session::open(options.model, options.session);
  r.backend = session->backend();
  r.input_infos = session->inputs();
  r.output_infos = session->outputs();
  r.inputs = make_inputs(*session, options.inputs, options.batch);
  if (options.io == IoPlacement::kDevice) {
    check_io_placement(*session, options.io);
    std::vector<Tensor> on_device;
    for (const Tensor& t : r.inputs) on_device.push_back(t.to(session->device()));
    for (const Tensor& t : session->run(on_device, session->device())) r.outputs.push_back(t.to(Device{}));
  } else {
    r.outputs = session->run(r.inputs);
  }
  if (!dir.empty()) write_outputs(dir, r.output_infos, r.outputs);
  return r;
}

std::string RunJobReport::to_json() const {
  Json j;
  j["model"] = model;
  j["backend"] = backend;
  for (size_t i = 0; i < inputs.size(); ++i)
    j["inputs"].push_back(
        {{"name", input_infos[i].name}, {"dtype", dtype_name(inputs[i].dtype())}, {"shape", inputs[i].shape()}});
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Stats s = stats_of(outputs[i]);
    j["outputs"].push_back({{"name", output_infos[i].name},
                            {"dtype", dtype_name(outputs[i].dtype())},
                            {"shape", outputs[i].shape()},
                            {"min", s.min},
                            {"max", s.max},
                            {"mean", s.mean}});
  }
  return j.dump(2);
}

std::string RunJobReport::to_text() const {
  std::string s = "model   " + model + " (" + backend + ")\n";
  for (size_t i = 0; i < inputs.size(); ++i)
    s += fmt::format("input   {}  {}  {}\n", input_infos[i].name, dtype_name(inputs[i].dtype()),
                     shape_to_string(inputs[i].shape()));
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Stats st = stats_of(outputs[i]);
    s += fmt::format("output  {}  {}  {}  min {:.5g}  max {:.5g}  mean {:.5g}  {}\n", output_infos[i].name,
                     dtype_name(outputs[i].dtype()), shape_to_string(outputs[i].shape()), st.min, st.max, st.mean,
                     head_values(outputs[i], 5));
  }
  if (!output_dir.empty()) s += fmt::format("wrote {} output(s) to {}\n", outputs.size(), output_dir);
  return s;
}

}  // namespace piu
