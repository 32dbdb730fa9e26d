// What each piu command accepts: its synopsis, summary and options from the shared table, with
// the defaults its job uses. The tools (tools/piu/cmd_*.cpp) pair each with a main.
#pragma once

#include <vector>

#include "cli/options.hpp"
#include "piu/session.hpp"

namespace piu::cli {

const Command& inspect_spec();
const Command& export_spec();
const Command& run_spec();
const Command& bench_spec();
const Command& compare_spec();
const Command& optimize_spec();
const Command& simplify_spec();
const Command& round_weights_spec();
const Command& calibrate_spec();
const Command& quantize_spec();
const Command& fp16_spec();
const Command& deploy_spec();
const Command& doctor_spec();
// The options that say how a written model is verified, after --shape and before --threads:
// --input, --int-range, --batch, --seed, --rtol, --atol, with the defaults in `v`.
std::vector<Option> verify_value_options(const VerifyOptions& v);
// The calibration data options after the batch size (--max-item-shape ... --nhwc), with their defaults.
std::vector<Option> calibration_image_options();
// Every command above, in the order `piu --help` lists them.
std::vector<const Command*> command_specs();

}  // namespace piu::cli
