// check -> stage under temp names -> verify one model at a time -> commit: how every piu job writes
// a model.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include <filesystem>

#include "piu/jobs.hpp"

namespace piu {

namespace fs = std::filesystem;

namespace {

// A float16 model as the verifier sees it: its float16 inputs and outputs read and written as
// float32, so that it runs on the same random inputs as the float32 input model and its outputs
// compare with that model's.
class Float32View : public Session {
 public:
  explicit Float32View(std::unique_ptr<Session> inner) : inner_(std::move(inner)) {
    path_ = inner_->path();
    device_ = inner_->device();
    inputs_ = inner_->inputs();
    outputs_ = inner_->outputs();
    for (auto* infos : {&inputs_, &outputs_})
      for (auto& info : *infos)
        if (info.dtype == DType::kFloat16) info.dtype = DType::kFloat32;
  }
  std::string backend() const override { return inner_->backend(); }

 protected:
  std::vector<Tensor> run_validated(const std::vector<Tensor>& inputs, Device) const override {
    std::vector<Tensor> in = inputs;
    for (auto& t : in)
      if (t.device().kind != DeviceKind::kCpu) t = t.to(Device{});
    for (size_t i = 0; i < in.size(); ++i)
      if (inner_->inputs()[i].dtype == DType::kFloat16) in[i] = to_float_type(in[i], DType::kFloat16);
    std::vector<Tensor> out = inner_->run(in);
    for (auto& t : out)
      if (t.dtype() == DType::kFloat16) t = to_float32(t);
    return out;
  }

 private:
  std::unique_ptr<Session> inner_;
};

}  // namespace

std::unique_ptr<Session> float32_view(std::unique_ptr<Session> inner) {
  return std::make_unique<Float32View>(std::move(inner));
}

void check_output_path(const std::string& input, const std::string& output) {
  if (output.empty()) throw Error(ErrorCode::kBadInput, "missing -o OUTPUT");
  std::error_code ec;
  if (fs::exists(output, ec) && fs::equivalent(input, output, ec))
    throw Error(ErrorCode::kBadInput, "-o " + output + " is the input file; piu never modifies an input in place");
  if (fs::is_directory(output, ec)) throw Error(ErrorCode::kBadInput, "-o " + output + " is a folder, not a file");
  const fs::path dir = fs::path(output).parent_path();
  if (!dir.empty() && !fs::is_directory(dir, ec))
    throw Error(ErrorCode::kIo, "cannot write " + output + ": folder " + dir.string() + " does not exist");
  check_writable(output);
}

std::vector<ShapeSpec> with_dynamic_dims_fixed(std::vector<ShapeSpec> shapes) {
  for (auto& spec : shapes)
    for (size_t d = 1; d < spec.shape.size(); ++d)
      if (spec.shape[d] < 0) spec.shape[d] = kVerifyDynamicDimSize;
  return shapes;
}

namespace {

// verify_model_files with the reference opened by `open_reference(options)`; `torchscript` says
// what "auto" means for the reference.
VerifyReport verify_against(const std::function<std::unique_ptr<Session>(const SessionOptions&)>& open_reference,
                            bool torchscript, const std::string& candidate_path, const VerifyOptions& options,
                            const SessionOptions& session, const CandidateView& view) {
  SessionOptions candidate_so = session;
  candidate_so.backend = "ort";
  // Compare on unoptimized runtimes so the runtime's own rewrites cannot hide a difference (nor
  // add one: LibTorch 1.13's optimize_for_inference is wrong past the first batch item on some
  // models).
  candidate_so.graph_optimization = GraphOptimization::kDisabled;
  SessionOptions reference_so = candidate_so;
  if (session.backend == "auto")
    reference_so.backend = torchscript ? "torch" : "ort";
  else
    reference_so.backend = session.backend;
  return verify_one_at_a_time([&] { return open_reference(reference_so); },
                              [&] {
                                auto candidate = open_built_model(candidate_path, candidate_so);
                                return view ? view(std::move(candidate)) : std::move(candidate);
                              },
                              options);
}

}  // namespace

VerifyReport verify_model_files(const std::string& reference_path, const std::string& candidate_path,
                                const VerifyOptions& options, const SessionOptions& session,
                                const CandidateView& view) {
  return verify_against([&](const SessionOptions& so) { return Session::open(reference_path, so); },
                        is_torchscript_path(reference_path), candidate_path, options, session, view);
}

VerifyReport verify_model_files(const ModelBytes& reference, const std::string& candidate_path,
                                const VerifyOptions& options, const SessionOptions& session,
                                const CandidateView& view) {
  return verify_against([&](const SessionOptions& so) { return Session::open(reference, so); },
                        reference.bytes && is_zip_archive(*reference.bytes), candidate_path,
                        options, session, view);
}

void require_verified(const VerifyReport& report) {
  if (!report.ok)
    throw Error(ErrorCode::kVerificationFailed, "verification failed, nothing written: " + report.failure);
}

void stage_verify_commit(OnnxModel&& result, const std::string& output, const SaveOptions& save,
                         const std::function<void(const std::string& staged_path)>& verify) {
  StagedSave staged(std::move(result), output, save);
  verify(staged.temp_path());
  staged.commit();
}

VerifyOptions with_model_ranges(VerifyOptions options, const OnnxModel& model) {
  std::vector<std::string> names;
  std::set<std::string> initializers;
  for (const auto& t : model.proto().graph().initializer()) initializers.insert(t.name());
  for (const auto& v : model.proto().graph().input())
    if (!initializers.count(v.name())) names.push_back(v.name());
  for (const auto& r : options.int_ranges)
    if (std::find(names.begin(), names.end(), r.name) == names.end())
      throw Error(ErrorCode::kBadInput,
                  fmt::format("--int-range names input '{}', the model has: {}", r.name, fmt::join(names, ", ")));
  for (auto& r : index_input_ranges(model)) options.int_ranges.push_back(std::move(r));  // the user's come first
  return options;
}

WriteReport check_verify_and_save(const std::string& input_path, OnnxModel&& result, const WriteOptions& options,
                                  const CandidateView& view) {
  WriteReport out;
  out.input = input_path;
  out.output = options.output;
  try {
    check_model(result, "result");
  } catch (const Error& result_error) {
    try {
      check_model(OnnxModel::load(input_path, {.load_external_data = false}), "input");
    } catch (const Error& input_error) {
      out.checker_warning = input_error.what();  // the input was already invalid; not our doing
    }
    if (out.checker_warning.empty())
      throw Error(ErrorCode::kInternal,
                  std::string(result_error.what()) + " (the input passes the checker; nothing written)");
  }
  SaveOptions save;
  if (!result.external_files().empty())  // an input with external data gives an output with it
    save.external_data = SaveOptions::ExternalData::kAlways;
  const VerifyOptions verify_options = with_model_ranges(options.verify_options, result);
  stage_verify_commit(std::move(result), options.output, save, [&](const std::string& staged) {
    if (!options.verify) return;
    SessionOptions so;
    so.intra_op_num_threads = options.threads;
    out.verify = verify_model_files(input_path, staged, verify_options, so, view);
    out.verified = true;
    require_verified(out.verify);
  });
  return out;
}

std::string format_verify_report(const VerifyReport& report) {
  std::string s;
  for (const auto& c : report.checks)
    s += fmt::format("  {:<24} batch {:<3} max abs {:<10.3g} scale {:<10.3g} {}\n", c.output, c.batch, c.max_abs,
                     c.scale, c.ok ? "ok" : "DIFFERS");
  return s;
}

std::string format_write_summary(const WriteReport& written) {
  std::string s;
  if (!written.checker_warning.empty()) s += "warning: " + written.checker_warning + "\n";
  if (written.verified) s += "verified on ONNX Runtime:\n" + format_verify_report(written.verify);
  return s + "wrote " + written.output + "\n";
}

}  // namespace piu
