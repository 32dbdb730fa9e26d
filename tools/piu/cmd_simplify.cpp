// piu simplify: simplify_job over the parsed options; prints its report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs.hpp"

const piu::cli::Subcommand& piu::cli::simplify_command() {
  static const Subcommand sub{simplify_spec(), job_main<simplify_options_from, simplify_job>};
  return sub;
}
