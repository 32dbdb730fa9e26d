// piu bench: parses its options into bench_job's; the table is printed row by row as it is measured.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs_session.hpp"

namespace piu::cli {

namespace {
int bench_main(const Args& args) {
  const BenchJobReport report = bench_job(bench_options_from(args));  // progress printed the text
  if (args.has("--json")) std::cout << report.to_json() << "\n";
  return kExitOk;
}
}  // namespace

const Subcommand& bench_command() {
  static const Subcommand sub{bench_spec(), bench_main};
  return sub;
}

}  // namespace piu::cli
