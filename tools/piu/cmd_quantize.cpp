// piu quantize: quantize_job over the parsed options; prints its report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs_quant.hpp"

const piu::cli::Subcommand& piu::cli::quantize_command() {
  static const Subcommand sub{quantize_spec(), job_main<quantize_options_from, quantize_job>};
  return sub;
}
