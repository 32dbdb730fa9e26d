// A stand-in for TensorRT's shared libraries, for the tests of check_tensorrt_health where TensorRT
// is not installed: built as libnvinfer.so.N (and libnvonnxparser.so.N), it only answers
// getInferLibVersion with TensorRT's integer encoding of a version (FAKE_TENSORRT_VERSION). It
// builds nothing: ONNX Runtime's TensorRT provider cannot load against it.
#include <cstdint>

extern "C" int32_t getInferLibVersion() { return FAKE_TENSORRT_VERSION; }
