#include "cli/model_output.hpp"

#include <cstdio>
#include <filesystem>

#include "piu/passes.hpp"

namespace piu::cli {

namespace fs = std::filesystem;

void check_output_path(const std::string& input, const std::string& output) {
  if (output.empty()) throw Error(ErrorCode::kBadInput, "missing -o OUTPUT");
  std::error_code ec;
  if (fs::exists(output, ec) && fs::equivalent(input, output, ec))
    throw Error(ErrorCode::kBadInput, "-o " + output + " is the input file; piu never modifies an input in place");
  if (fs::is_directory(output, ec)) throw Error(ErrorCode::kBadInput, "-o " + output + " is a folder, not a file");
  const fs::path dir = fs::path(output).parent_path();
  if (!dir.empty() && !fs::is_directory(dir, ec))
    throw Error(ErrorCode::kIo, "cannot write " + output + ": folder " + dir.string() + " does not exist");
}

VerifyOptions verify_options_from(const Args& args) {
  VerifyOptions v;
  v.shapes = args.shapes();
  v.batches = args.get_int_list("--batch", {1, 3});
  v.seed = static_cast<uint64_t>(args.get_int("--seed", 0));
  v.rel_tol = args.get_double("--rtol", v.rel_tol);
  v.abs_tol = args.get_double("--atol", v.abs_tol);
  return v;
}

ModelWriteResult check_verify_and_save(
    const std::string& input_path, OnnxModel&& result, const std::string& output, const Args& args,
    const std::function<std::unique_ptr<Session>(std::unique_ptr<Session>)>& view_candidate) {
  ModelWriteResult out;
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
  // Written under temp names first (the weights leave memory as they are written), verified from
  // that file against the input file, then renamed into place.
  SaveOptions save;
  if (!result.external_files().empty())  // an input with external data gives an output with it
    save.external_data = SaveOptions::ExternalData::kAlways;
  StagedSave staged(std::move(result), output, save);
  if (!args.has("--no-verify")) {
    SessionOptions so;
    so.backend = "ort";
    so.intra_op_num_threads = static_cast<int>(args.get_int("--threads", 0));
    // Compare on unoptimized runtimes so ORT's own rewrites cannot hide a difference.
    so.graph_optimization = GraphOptimization::kDisabled;
    out.verify = verify_one_at_a_time([&] { return Session::open(input_path, so); },
                                      [&] {
                                        auto candidate = Session::open(staged.temp_path(), so);
                                        return view_candidate ? view_candidate(std::move(candidate)) : std::move(candidate);
                                      },
                                      verify_options_from(args));
    out.verified = true;
    if (!out.verify.ok)
      throw Error(ErrorCode::kVerificationFailed, "verification failed, nothing written: " + out.verify.failure);
  }
  staged.commit();
  return out;
}

std::string format_verify_report(const VerifyReport& report) {
  std::string s;
  for (const auto& c : report.checks) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "  %-24s batch %-3lld max abs %-10.3g scale %-10.3g %s\n", c.output.c_str(),
                  static_cast<long long>(c.batch), c.max_abs, c.scale, c.ok ? "ok" : "DIFFERS");
    s += buf;
  }
  return s;
}

std::string format_write_summary(const ModelWriteResult& written, const std::string& output) {
  std::string s;
  if (!written.checker_warning.empty()) s += "warning: " + written.checker_warning + "\n";
  if (written.verified) s += "verified on ONNX Runtime:\n" + format_verify_report(written.verify);
  return s + "wrote " + output + "\n";
}

void add_write_json(nlohmann::ordered_json& j, const ModelWriteResult& written) {
  j["verified"] = written.verified;
  j["verification"] = nlohmann::ordered_json::array();
  for (const auto& c : written.verify.checks)
    j["verification"].push_back({{"output", c.output}, {"batch", c.batch}, {"max_abs", c.max_abs}, {"scale", c.scale}});
  if (!written.checker_warning.empty()) j["checker_warning"] = written.checker_warning;
}

}  // namespace piu::cli
