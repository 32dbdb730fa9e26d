#include <iostream>

#include "commands.hpp"
#include "piu/onnx.hpp"

namespace piu::cli {

namespace {
int inspect_main(const Args& args) {
  const OnnxModel model = OnnxModel::load(args.positional[0], LoadOptions{/*load_external_data=*/false});
  const ModelInfo info = inspect(model);
  std::cout << (args.has("--json") ? model_info_json(info) + "\n" : format_model_info(info));
  return kExitOk;
}
}  // namespace

const Subcommand& inspect_command() {
  static const Subcommand sub{{"inspect", "MODEL.onnx [--json]",
                               "Print a model's inputs/outputs (with symbolic dims), IR version, opsets, op histogram, "
                               "parameter count and external-data files.",
                               shared_options({"--json"}), 1, 1},
                              inspect_main};
  return sub;
}

}  // namespace piu::cli
