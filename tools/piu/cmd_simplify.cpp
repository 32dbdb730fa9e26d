// piu simplify: parses its options into simplify_job's and prints the report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs.hpp"

namespace piu::cli {

namespace {
int simplify_main(const Args& args) { return print_report(args, simplify_job(simplify_options_from(args))); }
}  // namespace

const Subcommand& simplify_command() {
  static const Subcommand sub{simplify_spec(), simplify_main};
  return sub;
}

}  // namespace piu::cli
