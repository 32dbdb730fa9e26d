// piu run: parses its options into run_job's and prints the report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs_session.hpp"

namespace piu::cli {

namespace {
int run_main(const Args& args) { return print_report(args, run_job(run_options_from(args))); }
}  // namespace

const Subcommand& run_command() {
  static const Subcommand sub{run_spec(), run_main};
  return sub;
}

}  // namespace piu::cli
