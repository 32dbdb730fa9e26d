// piu round-weights: round_weights_job over the parsed options; prints its report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs.hpp"

const piu::cli::Subcommand& piu::cli::round_weights_command() {
  static const Subcommand sub{round_weights_spec(), job_main<round_weights_options_from, round_weights_job>};
  return sub;
}
