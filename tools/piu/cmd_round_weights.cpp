// piu round-weights: parses its options into round_weights_job's and prints the report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs.hpp"

namespace piu::cli {

namespace {
int round_weights_main(const Args& args) { return print_report(args, round_weights_job(round_weights_options_from(args))); }
}  // namespace

const Subcommand& round_weights_command() {
  static const Subcommand sub{round_weights_spec(), round_weights_main};
  return sub;
}

}  // namespace piu::cli
