// piu quantize: parses its options into quantize_job's and prints the report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs_quant.hpp"

namespace piu::cli {

namespace {
int quantize_main(const Args& args) { return print_report(args, quantize_job(quantize_options_from(args))); }
}  // namespace

const Subcommand& quantize_command() {
  static const Subcommand sub{quantize_spec(), quantize_main};
  return sub;
}

}  // namespace piu::cli
