// piu fp16: fp16_job over the parsed options; prints its report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs.hpp"

const piu::cli::Subcommand& piu::cli::fp16_command() {
  static const Subcommand sub{fp16_spec(), job_main<fp16_options_from, fp16_job>};
  return sub;
}
