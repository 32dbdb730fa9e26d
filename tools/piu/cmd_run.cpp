// piu run: run_job over the parsed options; prints its report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs_session.hpp"

const piu::cli::Subcommand& piu::cli::run_command() {
  static const Subcommand sub{run_spec(), job_main<run_options_from, run_job>};
  return sub;
}
