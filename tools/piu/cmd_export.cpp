// piu export: parses its options into export_job's and prints the report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs.hpp"

namespace piu::cli {

namespace {
int export_main(const Args& args) { return print_report(args, export_job(export_options_from(args))); }
}  // namespace

const Subcommand& export_command() {
  static const Subcommand sub{export_spec(), export_main};
  return sub;
}

}  // namespace piu::cli
