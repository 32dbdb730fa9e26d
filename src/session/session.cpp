// Session: input validation shared by every backend. (The backend registry and Session::open
// are in backend_registry.cpp.)
#include "piu/session.hpp"

namespace piu {

namespace {

std::string input_names(const std::vector<TensorInfo>& infos) {
  std::string s;
  for (const auto& i : infos) s += (s.empty() ? "" : ", ") + i.name;
  return s.empty() ? "(none)" : s;
}

}  // namespace

size_t Session::input_index(const std::string& name) const {
  for (size_t i = 0; i < inputs_.size(); ++i)
    if (inputs_[i].name == name) return i;
  throw Error(ErrorCode::kBadInput,
              "model " + path_ + " has no input named '" + name + "' (inputs: " + input_names(inputs_) + ")");
}

std::vector<Tensor> Session::run(const std::vector<Tensor>& inputs, Device outputs_on) const {
  if (inputs.size() != inputs_.size())
    throw Error(ErrorCode::kBadInput, "model " + path_ + " takes " + std::to_string(inputs_.size()) + " input(s) (" +
                                          input_names(inputs_) + "), given " + std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorInfo& want = inputs_[i];
    const Tensor& have = inputs[i];
    if (!have.defined()) throw Error(ErrorCode::kBadInput, "input '" + want.name + "' is an undefined tensor");
    if (!want.rank_known) continue;  // the model declares no shape or type (TorchScript): the runtime checks
    if (have.dtype() != want.dtype)
      throw Error(ErrorCode::kBadInput, "input '" + want.name + "' expects dtype " +
                                            std::string(dtype_name(want.dtype)) + ", given " +
                                            std::string(dtype_name(have.dtype())));
    bool ok = have.rank() == want.shape.size();
    for (size_t d = 0; ok && d < want.shape.size(); ++d) ok = want.shape[d] < 0 || want.shape[d] == have.dim(d);
    if (!ok)
      throw Error(ErrorCode::kBadInput, "input '" + want.name + "' expects shape " + shape_to_string(want.shape) +
                                            " (-1 = any), given " + shape_to_string(have.shape()));
  }
  std::vector<Tensor> moved;  // inputs on another device than the session's, brought over
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Device d = inputs[i].device();
    if (d.kind == DeviceKind::kCpu || d == device_) continue;
    if (moved.empty()) moved = inputs;
    moved[i] = inputs[i].to(device_.kind == DeviceKind::kCpu ? Device{} : device_);
  }
  if (outputs_on.kind != DeviceKind::kCpu && outputs_on != device_)
    throw Error(ErrorCode::kBadInput, "outputs on " + device_name(outputs_on) + ": model " + path_ + " runs on " +
                                          device_name(device_));
  std::vector<Tensor> outputs = run_validated(moved.empty() ? inputs : moved, outputs_on);
  for (Tensor& t : outputs)
    if (t.device() != outputs_on) t = t.to(outputs_on);
  return outputs;
}

std::vector<Tensor> Session::run_named(const std::map<std::string, Tensor>& inputs, Device outputs_on) const {
  std::vector<Tensor> ordered(inputs_.size());
  for (const auto& [name, tensor] : inputs) ordered[input_index(name)] = tensor;
  for (size_t i = 0; i < ordered.size(); ++i)
    if (!ordered[i].defined())
      throw Error(ErrorCode::kBadInput, "input '" + inputs_[i].name + "' of model " + path_ + " was not given");
  return run(ordered, outputs_on);
}

}  // namespace piu
