// libFuzzer harness: an ONNX model file loaded as `piu inspect` loads it (OnnxModel::load, external
// data read from the model's folder) and summarized (inspect, the text table, the JSON).
#include "piu/onnx.hpp"
#include "scratch_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const piu::fuzz::ScratchFile file(data, size, "model.onnx");
  try {
    const piu::OnnxModel model = piu::OnnxModel::load(file.path());
    const piu::ModelInfo info = piu::inspect(model);
    (void)piu::format_model_info(info);
    (void)piu::model_info_json(info);
  } catch (const piu::Error&) {  // bad input, refused cleanly; anything else is a finding
  }
  return 0;
}
