// piu calibrate: parses its options into calibrate_job's and prints the report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs_quant.hpp"

namespace piu::cli {

namespace {
int calibrate_main(const Args& args) { return print_report(args, calibrate_job(calibrate_options_from(args))); }
}  // namespace

const Subcommand& calibrate_command() {
  static const Subcommand sub{calibrate_spec(), calibrate_main};
  return sub;
}

}  // namespace piu::cli
