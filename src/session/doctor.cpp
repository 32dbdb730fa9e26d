// piu doctor: what this machine has for each way piu runs models, in one report.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "piu/cuda.hpp"
#include "piu/version.hpp"

namespace piu {

DoctorReport doctor() {
  DoctorReport r;
  r.piu = version();
  r.components = component_versions();
  r.cuda = cuda::available(&r.cuda_problem);
  r.cuda_version = cuda::runtime_version();
  for (int i = 0; r.cuda && i < cuda::device_count(); ++i) r.devices.push_back(cuda::device_name(i));
  r.tensorrt = check_tensorrt_health();
  return r;
}

std::string DoctorReport::to_json() const {
  nlohmann::ordered_json j;
  j["piu"] = piu;
  auto& components_json = j["components"] = nlohmann::ordered_json::object();
  for (const auto& c : components) components_json[c.name] = {{"version", c.version}, {"detail", c.detail}};
  j["cuda"] = {{"available", cuda}, {"version", cuda_version}, {"problem", cuda_problem}, {"devices", devices}};
  j["tensorrt"] = nlohmann::ordered_json::parse(tensorrt.to_json());
  return j.dump(2);
}

std::string DoctorReport::to_text() const {
  std::string out = "piu " + piu + "\n";
  for (const auto& c : components)
    out += fmt::format("  {:<14}{}{}\n", c.name, c.version, c.detail.empty() ? "" : " (" + c.detail + ")");
  if (cuda) {
    out += fmt::format("CUDA {}: {} device(s)\n", cuda_version, devices.size());
    for (size_t i = 0; i < devices.size(); ++i) out += fmt::format("  cuda:{}  {}\n", i, devices[i]);
  } else {
    out += "CUDA: not usable: " + cuda_problem + "\n";
  }
  if (tensorrt.ok) {
    out += fmt::format("tensorrt backend: ready (TensorRT {}, {}; plugins {})\n", tensorrt.version, tensorrt.libnvinfer,
                       tensorrt.plugins ? "found" : "not found");
  } else {
    out += "tensorrt backend: not usable; missing:\n";
    for (const auto& m : tensorrt.missing) out += "  - " + m + "\n";
  }
  return out;
}

}  // namespace piu
