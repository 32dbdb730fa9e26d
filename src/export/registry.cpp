// The converter registry: every converter registers its aten/prim kind here in one line
// (PIU_REGISTER_CONVERTER), and the export driver looks converters up by kind.
#include <map>

#include "export/converter.hpp"
#include "piu/export.hpp"

namespace piu::exporter {

namespace {

std::map<std::string, ConvertFn>& converters() {
  static std::map<std::string, ConvertFn> m;
  return m;
}

}  // namespace

bool register_converter(const std::string& kind, ConvertFn fn) {
  if (!converters().emplace(kind, fn).second)
    throw Error(ErrorCode::kInternal, "converter for " + kind + " registered twice");
  return true;
}

ConvertFn find_converter(const std::string& kind) {
  auto it = converters().find(kind);
  return it == converters().end() ? nullptr : it->second;
}

std::vector<std::string> converter_kinds() {
  std::vector<std::string> out;
  for (const auto& [k, fn] : converters()) out.push_back(k);
  return out;
}

}  // namespace piu::exporter

namespace piu {

std::vector<std::string> supported_torch_ops() { return exporter::converter_kinds(); }

}  // namespace piu
