// piu deploy: parses its options into DeployOptions, runs deploy() and prints the report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/deploy.hpp"

namespace piu::cli {

namespace {
int deploy_main(const Args& args) { return print_report(args, deploy(args.positional[0], deploy_options_from(args))); }
}  // namespace

const Subcommand& deploy_command() {
  static const Subcommand sub{deploy_spec(), deploy_main};
  return sub;
}

}  // namespace piu::cli
