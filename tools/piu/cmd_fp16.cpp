// piu fp16: parses its options into fp16_job's and prints the report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs.hpp"

namespace piu::cli {

namespace {
int fp16_main(const Args& args) { return print_report(args, fp16_job(fp16_options_from(args))); }
}  // namespace

const Subcommand& fp16_command() {
  static const Subcommand sub{fp16_spec(), fp16_main};
  return sub;
}

}  // namespace piu::cli
