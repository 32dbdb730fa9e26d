// piu compare: parses its options into compare_job's and prints the report; exit 1 on a difference.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs_session.hpp"

namespace piu::cli {

namespace {
int compare_main(const Args& args) {
  const CompareJobReport report = compare_job(compare_options_from(args));
  print_report(args, report);
  return report.pass ? kExitOk : kExitCompareFailed;
}
}  // namespace

const Subcommand& compare_command() {
  static const Subcommand sub{compare_spec(), compare_main};
  return sub;
}

}  // namespace piu::cli
