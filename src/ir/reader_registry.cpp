// The slot where the torch plugin leaves its TorchScript reader for the exporter, so that neither
// includes the other: the plugin registers when it is loaded, the exporter asks here.
#include <mutex>

#include "ir/ir.hpp"
#include "piu/session.hpp"

namespace piu::ir {

namespace {

std::mutex& reader_mutex() {
  static std::mutex m;
  return m;
}

TorchScriptReader& reader_slot() {
  static TorchScriptReader r;
  return r;
}

}  // namespace

bool register_torchscript_reader(TorchScriptReader reader) {
  std::lock_guard<std::mutex> lock(reader_mutex());
  reader_slot() = std::move(reader);
  return true;
}

const TorchScriptReader& torchscript_reader() {
  {
    std::lock_guard<std::mutex> lock(reader_mutex());
    if (reader_slot()) return reader_slot();
  }
  load_plugin("torch");
  std::lock_guard<std::mutex> lock(reader_mutex());
  if (!reader_slot())
    throw Error(ErrorCode::kUnsupported,
                "piu was built without LibTorch (the torch plugin), so it cannot read TorchScript files");
  return reader_slot();
}

}  // namespace piu::ir
