// piu export: export_job over the parsed options; prints its report (or the converter list).
#include "cli/job_args.hpp"
#include "commands.hpp"
#include "piu/jobs.hpp"

namespace piu::cli {

namespace {
int export_main(const Args& args) {
  if (args.has("--list-converters")) {
    std::cout << format_converter_list(args.has("--json"));
    return kExitOk;
  }
  if (args.positional.empty()) throw Error(ErrorCode::kBadInput, "missing argument: piu export MODEL.pt -o OUT.onnx");
  return job_main<export_options_from, export_job>(args);
}
}  // namespace

const Subcommand& export_command() {
  static const Subcommand sub{export_spec(), export_main};
  return sub;
}

}  // namespace piu::cli
