// Each command's arguments as the options struct of its job (include/piu/jobs*.hpp): what the
// CLI parses, the job runs. Defaults not given on the command line are the structs' own, which
// the commands' --help texts print (command_specs.cpp).
#pragma once

#include "cli/options.hpp"
#include "piu/deploy.hpp"
#include "piu/jobs.hpp"
#include "piu/jobs_quant.hpp"
#include "piu/jobs_session.hpp"

namespace piu::cli {

// Every --input-shape spec.
std::vector<ShapeSpec> input_shapes_from(const Args& args);
// --max-fold-bytes (>= 0), else `fallback`.
uint64_t max_fold_bytes_from(const Args& args, uint64_t fallback);
// `o` with --shape, --opset, --input-names and --output-names: the export of a TorchScript input.
ExportOptions export_from(const Args& args, ExportOptions o);

// Each command's job options from its arguments (the positional arguments are its inputs); a
// malformed or contradictory option throws kBadInput naming it. Printing choices (progress lines,
// --json) are set here too, since they are the command line's.
OptimizeJobOptions optimize_options_from(const Args& args);
SimplifyJobOptions simplify_options_from(const Args& args);
RoundWeightsJobOptions round_weights_options_from(const Args& args);
Fp16JobOptions fp16_options_from(const Args& args);
ExportJobOptions export_options_from(const Args& args);
CalibrateJobOptions calibrate_options_from(const Args& args);
QuantizeJobOptions quantize_options_from(const Args& args);
RunJobOptions run_options_from(const Args& args);
BenchJobOptions bench_options_from(const Args& args);
CompareJobOptions compare_options_from(const Args& args);
DeployOptions deploy_options_from(const Args& args);

}  // namespace piu::cli
