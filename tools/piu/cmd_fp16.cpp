// piu fp16: float32 → float16 conversion, verified against the input on ONNX Runtime.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/model_output.hpp"
#include "commands.hpp"
#include "piu/passes.hpp"
#include "piu/quant.hpp"

namespace piu::cli {

namespace {

Tensor convert_float(const Tensor& t, DType to) {
  Tensor out = Tensor::zeros(to, t.shape());
  if (to == DType::kFloat16) {
    const float* src = t.data_as<float>();
    uint16_t* dst = out.data_as<uint16_t>();
    for (int64_t i = 0; i < t.numel(); ++i) dst[i] = float_to_half(src[i]);
  } else {
    const uint16_t* src = t.data_as<uint16_t>();
    float* dst = out.data_as<float>();
    for (int64_t i = 0; i < t.numel(); ++i) dst[i] = half_to_float(src[i]);
  }
  return out;
}

// A float16 model as the verifier sees it: its float16 inputs and outputs read and written as
// float32, so that it runs on the same random inputs as the float32 input model and its outputs
// compare with that model's. (Without --keep-io-types the result's I/O is float16.)
class Float32View : public Session {
 public:
  explicit Float32View(std::unique_ptr<Session> inner) : inner_(std::move(inner)) {
    path_ = inner_->path();
    inputs_ = inner_->inputs();
    outputs_ = inner_->outputs();
    for (auto* infos : {&inputs_, &outputs_})
      for (auto& info : *infos)
        if (info.dtype == DType::kFloat16) info.dtype = DType::kFloat32;
  }
  std::string backend() const override { return inner_->backend(); }

 protected:
  std::vector<Tensor> run_validated(const std::vector<Tensor>& inputs) const override {
    std::vector<Tensor> in = inputs;
    for (size_t i = 0; i < in.size(); ++i)
      if (inner_->inputs()[i].dtype == DType::kFloat16) in[i] = convert_float(in[i], DType::kFloat16);
    std::vector<Tensor> out = inner_->run(in);
    for (auto& t : out)
      if (t.dtype() == DType::kFloat16) t = convert_float(t, DType::kFloat32);
    return out;
  }

 private:
  std::unique_ptr<Session> inner_;
};

int fp16_main(const Args& args) {
  const std::string& in = args.positional[0];
  const std::string out = args.get("--output");
  check_output_path(in, out);
  Fp16Options options;
  options.keep_io_types = args.has("--keep-io-types");
  if (args.has("--block-ops")) {
    options.op_block_list = args.get_list("--block-ops");
    if (options.op_block_list == std::vector<std::string>{"none"}) options.op_block_list.clear();
  }
  for (const auto& name : args.get_list("--block-nodes")) options.node_block_list.insert(name);

  OnnxModel model = OnnxModel::load(in);
  const int64_t bytes_before = inspect(model).parameter_bytes;
  const Fp16Report report = convert_fp16(model, options);
  const int64_t bytes_after = inspect(model).parameter_bytes;
  // float16 keeps ~3 significant digits: 1e-4 of the output scale is out of reach.
  Args verify_args = args;
  if (!args.has("--rtol")) verify_args.values_["--rtol"] = {"1e-2"};
  const ModelWriteResult written = check_verify_and_save(in, std::move(model), out, verify_args,
                            [](std::unique_ptr<Session> s) -> std::unique_ptr<Session> {
                              return std::make_unique<Float32View>(std::move(s));
                            });

  if (args.has("--json")) {
    nlohmann::ordered_json j;
    j["input"] = in;
    j["output"] = out;
    j["keep_io_types"] = options.keep_io_types;
    j["block_ops"] = options.op_block_list;
    j["block_nodes"] = options.node_block_list;
    j["converted_nodes"] = report.converted_nodes;
    j["blocked_nodes"] = report.blocked_nodes;
    j["casts"] = report.casts;
    j["converted_initializers"] = report.converted_initializers;
    j["bytes_before"] = bytes_before;
    j["bytes_after"] = bytes_after;
    add_write_json(j, written);
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%d nodes in float16, %d kept in float32, %d casts inserted, %d initializers converted\n",
              report.converted_nodes, report.blocked_nodes, report.casts, report.converted_initializers);
  std::printf("weights %.1f -> %.1f MiB; inputs and outputs %s\n", bytes_before / 1048576.0, bytes_after / 1048576.0,
              options.keep_io_types ? "stay float32" : "are float16");
  std::cout << format_write_summary(written, out);
  return kExitOk;
}

}  // namespace

const Subcommand& fp16_command() {
  static const Subcommand sub{
      {"fp16", "IN.onnx -o OUT.onnx [--keep-io-types] [--block-ops A,B|none] [--block-nodes A,B] [--no-verify]",
       "Convert a model to float16 (ops in the block list and inputs their schemas keep float32 stay float32, "
       "with Casts between); verified against the input within 1e-2 of the output scale unless --rtol says "
       "otherwise.",
       shared_options({"--output", "--keep-io-types", "--block-ops", "--block-nodes", "--no-verify", "--shape",
                       "--batch", "--seed", "--rtol", "--atol", "--threads", "--json"}),
       1, 1},
      fp16_main};
  return sub;
}

}  // namespace piu::cli
