// piu export: export_job over the parsed options; prints its report.
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs.hpp"

const piu::cli::Subcommand& piu::cli::export_command() {
  static const Subcommand sub{export_spec(), job_main<export_options_from, export_job>};
  return sub;
}
