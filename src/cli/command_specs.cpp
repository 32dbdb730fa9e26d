#include "cli/command_specs.hpp"

#include "cli/calibration_args.hpp"
#include "piu/deploy.hpp"
#include "piu/jobs.hpp"
#include "piu/jobs_quant.hpp"
#include "piu/jobs_session.hpp"

namespace piu::cli {

namespace {

std::vector<Option> join(std::vector<Option> a, const std::vector<Option>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// How a model-writing command's result is verified against its input, with the job's defaults.
std::vector<Option> verify_options(const WriteOptions& defaults) {
  std::vector<Option> out = {option("--no-verify"), option("--shape")};
  for (Option& o : verify_value_options(defaults.verify_options)) out.push_back(std::move(o));
  out.push_back(option("--threads"));
  out.push_back(option("--json"));
  return out;
}

}  // namespace

std::vector<Option> verify_value_options(const VerifyOptions& v) {
  return {option("--input:verify"),         option("--int-range"),       option("--batch:verify", v.batches),
          option("--seed", v.seed),         option("--rtol", v.rel_tol), option("--atol", v.abs_tol)};
}

namespace {

Option method_option() { return option("--method", calibration_method_name(CalibrationOptions{}.method)); }

}  // namespace

std::vector<Option> calibration_image_options() {
  const CalibrationData d;
  return {option("--max-item-shape"),
          option("--image-size"),
          option("--mean", d.norm.mean),
          option("--std", d.norm.std),
          option("--pixel-scale", d.pixel_scale),
          option("--bgr"),
          option("--nhwc")};
}

const Command& inspect_spec() {
  static const Command c{"inspect",
                         "MODEL.onnx [--json]",
                         "Print a model's inputs/outputs (with symbolic dims), IR version, opsets, op histogram, "
                         "parameter count and external-data files.",
                         options({"--json"}),
                         1,
                         1};
  return c;
}

const Command& export_spec() {
  static const Command c = [] {
    const ExportJobOptions d;
    return Command{"export",
                   "MODEL.pt -o OUT.onnx --shape NAME:DIMS [--opset N] [--no-verify] [--list-converters]",
                   "Export a TorchScript module to ONNX natively (LibTorch reads it, piu converts each op), "
                   "keeping -1 dims dynamic; verified against LibTorch at batch 1 and 4 before it is written.",
                   {option("--output"), option("--shape:export"), option("--batch:verify", d.verify_options.batches),
                    option("--rtol", d.verify_options.rel_tol), option("--atol", d.verify_options.abs_tol),
                    option("--threads"), option("--no-verify"), option("--json"),
                    option("--opset", d.export_options.opset), option("--input-names"), option("--output-names"),
                    option("--no-constant-folding"), option("--keep-initializers-as-inputs"), option("--verify-shape"),
                    option("--input:verify"), option("--int-range"), option("--list-converters")},
                   0,
                   1};
  }();
  return c;
}

const Command& run_spec() {
  static const Command c{
      "run",
      "MODEL [--input NAME=FILE.npy ...] [--shape NAME:DIMS] [-o DIR]",
      "Run a model once and print its outputs; inputs not given are random (-o DIR writes each output as .npy).",
      {option("--input"), option("--shape"), option("--int-range"), option("--batch", RunJobOptions{}.batch),
       option("--seed", InputOptions{}.seed), option("--output"), option("--backend"), option("--device"),
       option("--provider-option"), option("--io"), option("--threads"), option("--inter-threads"), option("--optimization"),
       option("--json")},
      1,
      1};
  return c;
}

const Command& bench_spec() {
  static const Command c = [] {
    const BenchJobOptions d;
    return Command{
        "bench",
        "MODEL [--batch 1,8] [--threads N] [--device cuda:0 --io device] [--warmup N] [--duration S | --iterations N] [--json]",
        "Measure latency (mean, p50, p90, p99) and throughput per batch size on random inputs.",
        {option("--batch", d.batches), option("--threads"), option("--inter-threads"), option("--optimization"),
         option("--warmup", d.bench.warmup), option("--duration", d.bench.duration_s), option("--iterations"),
         option("--shape"), option("--input"), option("--int-range"), option("--seed", d.inputs.seed),
         option("--backend"), option("--device"),
         option("--provider-option"), option("--io"), option("--json")},
        1,
        1};
  }();
  return c;
}

const Command& compare_spec() {
  static const Command c = [] {
    const CompareJobOptions d;
    return Command{
        "compare",
        "A [B] [--input ...] [--atol X --rtol X | --min-sqnr DB] [--device D --device-b D] [--json]",
        "Run two models (or one model on two backends or devices) on the same inputs and report per-output max "
        "abs/rel error and SQNR; exit 1 when an output differs beyond |a-b| <= atol + rtol*|b| (or its SQNR "
        "is under --min-sqnr).",
        {option("--input"), option("--shape"), option("--int-range"), option("--batch", d.batch),
         option("--seed", d.inputs.seed), option("--atol", d.abs_tol), option("--rtol", d.rel_tol), option("--min-sqnr"), option("--backend"),
         option("--backend-b"), option("--device"), option("--device-b"), option("--provider-option"),
         option("--provider-option-b"), option("--threads"), option("--inter-threads"), option("--optimization"),
         option("--json")},
        1,
        2};
  }();
  return c;
}

const Command& optimize_spec() {
  static const Command c{
      "optimize",
      "IN.onnx -o OUT.onnx [--passes A,B] [--fixed-point] [--list-passes] [--no-verify]",
      "Run graph optimization passes (default: the seed's onnxoptimizer list), check the result with the ONNX "
      "checker, verify it against the input on ONNX Runtime (batch 1 and 3 of a dynamic batch), and write it.",
      join({option("--output"), option("--passes", default_passes().size()), option("--fixed-point"),
            option("--list-passes")},
           verify_options(OptimizeJobOptions{}.write)),
      0,
      1};
  return c;
}

const Command& simplify_spec() {
  static const Command c{
      "simplify",
      "IN.onnx -o OUT.onnx [--input-shape NAME:DIMS] [--max-fold-bytes N] [--skip-optimize] [--no-verify]",
      "Simplify a model, keeping dynamic dims dynamic (shape inference, constant folding on ONNX Runtime, dead "
      "code and the optimizer's passes); verified against the input at batch 1, 3 and 8 before it is written.",
      join({option("--output"), option("--input-shape"), option("--max-fold-bytes", SimplifyOptions{}.max_fold_bytes),
            option("--skip-optimize")},
           verify_options(SimplifyJobOptions{}.write)),
      1,
      1};
  return c;
}

const Command& round_weights_spec() {
  static const Command c{
      "round-weights",
      "IN.onnx -o OUT.onnx [--digits 16] [--no-verify]",
      "Round floating-point weights to N decimal places so that denormal values become 0 (they make some CPUs "
      "much slower); reports how many values changed, verifies and writes the result.",
      join({option("--output"), option("--digits", RoundWeightsJobOptions{}.digits)},
           verify_options(RoundWeightsJobOptions{}.write)),
      1,
      1};
  return c;
}

const Command& calibrate_spec() {
  static const Command c{
      "calibrate",
      "MODEL.onnx --data DIR [--method entropy|minmax|percentile] [--batch N] [--cache FILE]",
      "Compute activation ranges on calibration data (ONNX Runtime, every float tensor) and write a TensorRT "
      "calibration cache; entropy is TensorRT's EntropyCalibration2 rule.",
      join(join({option("--data"), method_option(), option("--batch:calibration", CalibrationData{}.batch_size),
                 option("--cache"), option("--percentile", CalibrationOptions{}.percentile)},
                calibration_image_options()),
           {option("--threads"), option("--json")}),
      1,
      1};
  return c;
}

const Command& quantize_spec() {
  static const Command c{
      "quantize",
      "MODEL.onnx -o OUT.onnx --data DIR [--method NAME] [--target ort|tensorrt] [--max-error 30db]",
      "Quantize to int8 with QuantizeLinear/DequantizeLinear nodes (weights per channel, activations calibrated on "
      "--data); reports the output SQNR against the float model; --max-error keeps the most sensitive layers in "
      "float until the target is met.",
      join(join({option("--output"), option("--data"), option("--from-cache"), method_option(),
                 option("--batch:calibration", CalibrationData{}.batch_size), option("--cache:also"),
                 option("--percentile", CalibrationOptions{}.percentile),
                 option("--target", quantize_target_name(QuantizeOptions{}.symmetric_activations)), option("--per-tensor"),
                 option("--exclude"), option("--max-error"),
                 option("--sensitivity-runs", QuantizeJobOptions{}.sensitivity_runs)},
                calibration_image_options()),
           {option("--threads"), option("--shape"), option("--input:verify"), option("--int-range"),
            option("--no-verify:sqnr"), option("--json")}),
      1,
      1};
  return c;
}

const Command& fp16_spec() {
  static const Command c{
      "fp16",
      "IN.onnx -o OUT.onnx [--keep-io-types] [--block-ops A,B|none] [--block-nodes A,B] [--no-verify]",
      "Convert a model to float16 (ops in the block list and inputs their schemas keep float32 stay float32, "
      "with Casts between); verified against the input within 1e-2 of the output scale unless --rtol says "
      "otherwise.",
      join({option("--output"), option("--keep-io-types"), option("--block-ops"), option("--block-nodes")},
           verify_options(Fp16JobOptions{}.write)),
      1,
      1};
  return c;
}

const Command& doctor_spec() {
  static const Command c{"doctor",
                         "[--json]",
                         "Check what this machine has for each backend (ONNX Runtime and its providers, CUDA, "
                         "TensorRT, LibTorch) and say what to install for what is missing.",
                         options({"--json"}),
                         0,
                         0};
  return c;
}

std::vector<const Command*> command_specs() {
  return {&inspect_spec(),  &export_spec(),   &run_spec(),           &bench_spec(),     &compare_spec(),
          &optimize_spec(), &simplify_spec(), &round_weights_spec(), &calibrate_spec(), &quantize_spec(),
          &fp16_spec(),     &deploy_spec(),   &doctor_spec()};
}

}  // namespace piu::cli
