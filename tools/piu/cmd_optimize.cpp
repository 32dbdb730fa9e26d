// piu optimize: parses its options into optimize_job's and prints the report (or the pass list).
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs.hpp"

namespace piu::cli {

namespace {
int optimize_main(const Args& args) {
  if (args.has("--list-passes")) {
    std::cout << format_pass_list();
    return kExitOk;
  }
  if (args.positional.empty()) throw Error(ErrorCode::kBadInput, "missing argument: piu optimize IN.onnx -o OUT.onnx");
  return print_report(args, optimize_job(optimize_options_from(args)));
}
}  // namespace

const Subcommand& optimize_command() {
  static const Subcommand sub{optimize_spec(), optimize_main};
  return sub;
}

}  // namespace piu::cli
