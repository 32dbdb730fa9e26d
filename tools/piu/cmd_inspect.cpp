// piu inspect: a model's I/O, opsets, op histogram and parameters.
#include "commands.hpp"
#include "piu/jobs_session.hpp"

namespace piu::cli {

namespace {
int inspect_main(const Args& args) { return print_report(args, inspect_job(args.positional[0])); }
}  // namespace

const Subcommand& inspect_command() {
  static const Subcommand sub{inspect_spec(), inspect_main};
  return sub;
}

}  // namespace piu::cli
