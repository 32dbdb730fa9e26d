// Inputs given as files (--input NAME=FILE.npy, --input FILE.npz) and their checks against a model.
#include <filesystem>
#include <set>

#include "piu/session.hpp"

namespace piu {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "[batch, 3, 224]": the model's dims, symbolic ones by name.
std::string declared_shape(const TensorInfo& info) {
  std::string s = "[";
  for (size_t d = 0; d < info.shape.size(); ++d) {
    const bool named = d < info.dim_names.size() && !info.dim_names[d].empty();
    s += (d ? ", " : "") + (info.shape[d] >= 0 ? std::to_string(info.shape[d]) : named ? info.dim_names[d] : "?");
  }
  return s + "]";
}

}  // namespace

std::vector<GivenInput> read_given_inputs(const std::vector<std::string>& specs) {
  std::vector<GivenInput> out;
  std::set<std::string> names;
  auto add = [&](GivenInput g) {
    if (!names.insert(g.name).second)
      throw Error(ErrorCode::kBadInput, g.source + ": input '" + (g.name.empty() ? "(the first)" : g.name) +
                                            "' is given twice");
    out.push_back(std::move(g));
  };
  for (const std::string& spec : specs) {
    std::string name, path = spec;
    if (size_t eq = spec.find('='); eq != std::string::npos) {
      name = spec.substr(0, eq);
      path = spec.substr(eq + 1);
      if (name.empty()) throw Error(ErrorCode::kBadInput, "--input '" + spec + "': empty input name before '='");
    }
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      throw Error(ErrorCode::kBadInput, "--input " + path + ": a folder, not a .npy or .npz file");
    if (ends_with(path, ".npz")) {
      if (!name.empty())
        throw Error(ErrorCode::kBadInput, "--input " + spec + ": an .npz file names its inputs itself; give it alone");
      for (auto& [array, tensor] : read_npz(path)) add({array, std::move(tensor), path + ":" + array});
      continue;
    }
    add({name, read_npy(path), path});
  }
  return out;
}

void check_given_input(const TensorInfo& info, const GivenInput& given) {
  const Tensor& t = given.tensor;
  bool ok = t.dtype() == info.dtype;
  if (info.rank_known) {
    ok = ok && t.rank() == info.shape.size();
    for (size_t d = 0; ok && d < info.shape.size(); ++d) ok = info.shape[d] < 0 || info.shape[d] == t.dim(d);
  }
  if (ok) return;
  throw Error(ErrorCode::kBadInput,
              given.source + ": input '" + info.name + "' is " + std::string(dtype_name(t.dtype())) + " " +
                  shape_to_string(t.shape()) + ", the model takes " + std::string(dtype_name(info.dtype)) +
                  (info.rank_known ? " " + declared_shape(info) : ""));
}

}  // namespace piu
