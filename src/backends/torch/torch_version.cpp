// The LibTorch version the torch plugin is built against, for piu::component_versions().
#include <torch/version.h>

extern "C" __attribute__((visibility("default"))) const char* piu_torch_version() { return TORCH_VERSION; }
