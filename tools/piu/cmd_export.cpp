#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/model_output.hpp"
#include "commands.hpp"
#include "piu/export.hpp"
#include "piu/passes.hpp"
#include "piu/session.hpp"

namespace piu::cli {

namespace {

int export_main(const Args& args) {
  const std::string& in = args.positional[0];
  const std::string out = args.get("--output");
  check_output_path(in, out);
  ExportOptions o;
  for (const auto& v : args.all("--shape"))
    for (auto& s : parse_shape_specs(v)) o.input_shapes.push_back(std::move(s));
  o.input_names = args.get_list("--input-names");
  o.output_names = args.get_list("--output-names");
  o.opset = static_cast<int>(args.get_int("--opset", o.opset));
  o.constant_folding = !args.has("--no-constant-folding");
  o.keep_initializers_as_inputs = args.has("--keep-initializers-as-inputs");
  ExportReport report;
  OnnxModel model = export_torchscript(in, o, &report);
  check_model(model, out);
  std::vector<DType> input_dtypes;
  for (const auto& v : model.proto().graph().input())
    if (auto d = dtype_from_onnx(v.type().tensor_type().elem_type())) input_dtypes.push_back(*d);

  // Written under temp names first (a model over 2 GB gets external data; its weights leave
  // memory as they are written), verified from that file, then renamed into place.
  StagedSave staged(std::move(model), out);
  VerifyReport verify;
  const bool verified = !args.has("--no-verify");
  if (verified) {
    // LibTorch runs the TorchScript file, ONNX Runtime the export, on the same random inputs at
    // several batch sizes, one runtime at a time. Dynamic dims other than the batch are verified
    // at 64 unless --verify-shape says.
    SessionOptions so;
    so.intra_op_num_threads = static_cast<int>(args.get_int("--threads", 0));
    so.graph_optimization = GraphOptimization::kDisabled;
    VerifyOptions v;
    v.batches = args.get_int_list("--batch", {1, 4});
    v.rel_tol = args.get_double("--rtol", v.rel_tol);
    v.abs_tol = args.get_double("--atol", v.abs_tol);
    v.input_dtypes = input_dtypes;
    std::vector<ShapeSpec> given;
    for (const auto& g : args.all("--verify-shape"))
      for (auto& s : parse_shape_specs(g)) given.push_back(std::move(s));
    for (size_t i = 0; i < o.input_shapes.size() && i < report.torch_inputs.size(); ++i) {
      ShapeSpec s = o.input_shapes[i];
      for (size_t d = 1; d < s.shape.size(); ++d)
        if (s.shape[d] < 0) s.shape[d] = 64;
      for (const auto& g : given)
        if (g.name.empty() || g.name == s.name || g.name == report.torch_inputs[i]) s.shape = g.shape;
      s.name = report.torch_inputs[i];
      v.shapes.push_back(s);
    }
    // The reference is the module as written: LibTorch's optimize_for_inference is not trusted
    // here (1.13's gives wrong results past the first batch item on LRASPP's backbone).
    verify = verify_one_at_a_time(
        [&] {
          return Session::open(in, {.backend = "torch",
                                    .device = {},
                                    .intra_op_num_threads = so.intra_op_num_threads,
                                    .inter_op_num_threads = 0,
                                    .graph_optimization = GraphOptimization::kDisabled});
        },
        [&] { return Session::open(staged.temp_path(), so); }, v);
    if (!verify.ok)
      throw Error(ErrorCode::kVerificationFailed, "verification failed, nothing written: " + verify.failure);
  }
  staged.commit();

  if (args.has("--json")) {
    nlohmann::ordered_json j;
    j["input"] = in;
    j["output"] = out;
    j["opset"] = o.opset;
    j["torch_nodes"] = report.torch_nodes;
    j["onnx_nodes"] = report.onnx_nodes;
    j["seconds"] = {{"load_libtorch", report.load_s}, {"read", report.read_s}, {"convert", report.convert_s},
                    {"finish", report.finish_s}};
    j["verified"] = verified;
    j["verification"] = nlohmann::ordered_json::array();
    for (const auto& c : verify.checks)
      j["verification"].push_back({{"output", c.output}, {"batch", c.batch}, {"max_abs", c.max_abs}, {"scale", c.scale}});
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("exported %lld TorchScript nodes to %lld ONNX nodes (opset %d)\n",
              static_cast<long long>(report.torch_nodes), static_cast<long long>(report.onnx_nodes), o.opset);
  if (verified) std::cout << "verified against LibTorch:\n" << format_verify_report(verify);
  std::cout << "wrote " << out << "\n";
  return kExitOk;
}

}  // namespace

const Subcommand& export_command() {
  static const Subcommand sub = [] {
    std::vector<Option> options = shared_options({"--output", "--shape", "--batch", "--rtol", "--atol", "--threads",
                                                  "--no-verify", "--json"});
    for (auto& opt : options)
      if (opt.name == "--shape") opt.help = "an input's shape, -1 for dynamic dims, e.g. input:-1x3x224x224 (one per input)";
      else if (opt.name == "--batch") opt.help = "batch sizes the export is verified at (default 1,4)";
    options.push_back({"--opset", "", "N", "ONNX opset, 11 to 21 (default 11, as the seed)"});
    options.push_back({"--input-names", "", "A,B", "ONNX input names (default: input, or input_0, input_1, ...)"});
    options.push_back({"--output-names", "", "A,B", "ONNX output names (default: output, or output_0, ...)"});
    options.push_back({"--no-constant-folding", "", "", "keep constant computations (the seed's do_constant_folding=False)"});
    options.push_back({"--keep-initializers-as-inputs", "", "", "list the weights as graph inputs too"});
    options.push_back({"--verify-shape", "", "[NAME:]DIMS", "shape to verify at when dims other than the batch are dynamic"});
    return Subcommand{{"export", "MODEL.pt -o OUT.onnx --shape NAME:DIMS [--opset N] [--no-verify]",
                       "Export a TorchScript module to ONNX natively (LibTorch reads it, piu converts each op), "
                       "keeping -1 dims dynamic; verified against LibTorch at batch 1 and 4 before it is written.",
                       options, 1, 1},
                      export_main};
  }();
  return sub;
}

}  // namespace piu::cli
