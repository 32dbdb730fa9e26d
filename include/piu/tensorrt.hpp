// TensorRT through ONNX Runtime's TensorRT execution provider (the "tensorrt" session backend):
// what this machine has of it (check_tensorrt_health), and the seed's TRTEngineBuilder parameters
// as that provider's options (tensorrt_provider_options). piu never links TensorRT: libnvinfer is
// loaded at run time, as ONNX Runtime's provider library loads it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "piu/session.hpp"

namespace piu {

// What the tensorrt backend needs, piece by piece. The pieces are checked in the order they build
// on each other, and `missing` lists them in that order:
//   1. ONNX Runtime's TensorRT provider: libonnxruntime_providers_tensorrt.so (and
//      libonnxruntime_providers_shared.so) beside the libonnxruntime this process loaded; only
//      ONNX Runtime's GPU build has them.
//   2. CUDA: a CUDA runtime that loads and sees a device (piu::cuda::available).
//   3. TensorRT: the libnvinfer the provider library was linked against (libnvinfer.so.10 for
//      ONNX Runtime 1.31's GPU build; read from the provider library, .10 when it is absent), then
//      the ONNX parser of the same version.
//   4. Any other library the provider library needs that does not load (cuDNN, cuBLAS).
struct TensorRtHealth {
  bool ok = false;                  // every required piece is there: the tensorrt backend can open sessions
  std::string version;              // TensorRT's version ("10.14.1") from the libnvinfer found; "" when none loads
  std::string libnvinfer;           // the libnvinfer soname required ("libnvinfer.so.10")
  std::string found_libnvinfer;     // the soname that loaded (another major version when the required one did not)
  bool onnx_parser = false;         // libnvonnxparser of that major version loads
  bool plugins = false;             // libnvinfer_plugin loads (optional: only models with plugin layers need it)
  std::string onnxruntime_library;  // the libonnxruntime loaded in this process
  std::string provider_library;     // its TensorRT provider library, "" when absent
  bool cuda = false;                // a CUDA runtime loads and sees a device
  std::string cuda_version;         // the CUDA runtime's version ("13.0"), "" when none loads
  // One line per missing piece: what is missing and what to install.
  std::vector<std::string> missing;

  // "" when ok; otherwise the one-line error of the tensorrt backend:
  // "TensorRT unavailable: " followed by the `missing` lines joined with "; ".
  std::string message() const;
  // Every field above and the message, as one JSON object (piu doctor --json's "tensorrt").
  std::string to_json() const;
};

// Checks every piece the tensorrt backend needs, loading what it finds (dlopen, never unloaded).
// Never throws.
TensorRtHealth check_tensorrt_health();

// TensorRT's version ("10.14.1") from the first libnvinfer that loads (.10, .11, .8), or "" when
// none does. Loads only libnvinfer (for piu --version). Never throws.
std::string tensorrt_version();

// The seed's TRTEngineBuilder.build_engine parameters that ONNX Runtime's TensorRT provider has an
// option for. Each maps to the options named beside it.
struct TensorRtBuildOptions {
  bool fp16_mode = false;  // trt_fp16_enable=1
  // trt_int8_enable=1. Without a calibration cache this is for Q/DQ models (piu quantize --target
  // tensorrt), whose scales are in the graph.
  bool int8_mode = false;
  // With int8_mode: the seed's cache_file, a TensorRT calibration cache in TensorRT's own format
  // (piu calibrate writes one) -> trt_int8_calibration_table_name=<absolute path> and
  // trt_int8_use_native_calibration_table=1. Ignored without int8_mode, as in the seed.
  std::string calibration_cache;
  // The seed's engine_path: its folder holds ONNX Runtime's engine and timing caches ->
  // trt_engine_cache_enable=1, trt_engine_cache_path=<absolute folder>, trt_timing_cache_enable=1 and
  // trt_timing_cache_path=<the same folder>.
  std::string engine_path;
  // The seed's opt_shape_dict, {input: {min, opt, max}} -> trt_profile_min_shapes, _opt_shapes and
  // _max_shapes ("name:1x3x224x224,..."). Inputs whose shapes are static and equal to the three
  // given ones are left out (a profile only covers dynamic inputs).
  std::map<std::string, std::array<Shape, 3>> opt_shapes;
  // The seed's max_batch_size, used when opt_shapes is empty: every input with a dynamic first dim
  // gets the profile min 1, opt and max max_batch_size in that dim (its other dims must be static).
  // 0: not given.
  int64_t max_batch_size = 0;
  // Bytes (the seed's [a, b] means a << b) -> trt_max_workspace_size. 0: ONNX Runtime's default.
  int64_t max_workspace_size = 0;
};

// ONNX Runtime TensorRT provider options (by its names) for a model with `inputs` built as `build`
// says; the tensorrt backend takes them as SessionOptions::provider_options. Throws kBadInput for a
// shape profile that names no input, misses a dynamic input, has the wrong rank, contradicts a
// static dim or has min > opt or opt > max; for max_batch_size on an input with other dynamic dims;
// kUnsupported for input names ONNX Runtime cannot parse in a profile (with ',' or ':'); kIo when
// the calibration cache is not a readable file.
std::map<std::string, std::string> tensorrt_provider_options(const TensorRtBuildOptions& build,
                                                             const std::vector<TensorInfo>& inputs);
// The same for the ONNX model at `model_path` (its inputs read from the file; weights not loaded).
std::map<std::string, std::string> tensorrt_provider_options(const TensorRtBuildOptions& build,
                                                             const std::string& model_path);

}  // namespace piu
