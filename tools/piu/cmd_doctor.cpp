// piu doctor: what this machine has for each backend (ONNX Runtime and its providers, CUDA,
// TensorRT, LibTorch) and what to install for what is missing.
#include "commands.hpp"
#include "piu/version.hpp"

namespace piu::cli {

namespace {
int doctor_main(const Args& args) { return print_report(args, doctor()); }
}  // namespace

const Subcommand& doctor_command() {
  static const Subcommand sub{doctor_spec(), doctor_main};
  return sub;
}

}  // namespace piu::cli
