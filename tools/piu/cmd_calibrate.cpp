// piu calibrate: calibrate_job over the parsed options; prints its report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs_quant.hpp"

const piu::cli::Subcommand& piu::cli::calibrate_command() {
  static const Subcommand sub{calibrate_spec(), job_main<calibrate_options_from, calibrate_job>};
  return sub;
}
