// eliminate_duplicate_initializer: initializers with the same element type, dims and bytes hold the
// same constant, so readers of a later one can read the first and the later one goes. Initializers
// that are also graph inputs are skipped (a user may feed them); a graph output is never removed.
#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

// An initializer's content in a canonical form: a header (type, dims, encoding) and the element
// bytes, whether the proto holds them in raw_data or in typed fields. Tensors piu cannot decode
// (strings, external data, ...) use their serialized proto without the name.
struct Content {
  std::string header;
  const std::string* raw = nullptr;  // the proto's raw_data, when used as is
  std::string owned;
  std::string_view bytes() const { return raw ? std::string_view(*raw) : std::string_view(owned); }
  bool operator==(const Content& o) const { return header == o.header && bytes() == o.bytes(); }
};

Content content_of(const TensorProto& t) {
  Content c;
  c.header = std::to_string(t.data_type()) + "[";
  for (int64_t d : t.dims()) c.header += std::to_string(d) + ",";
  c.header += "]";
  const bool decodable = t.data_location() != TensorProto::EXTERNAL && dtype_from_onnx(t.data_type());
  if (decodable && t.has_raw_data() && t.data_type() != TensorProto::BOOL) {
    c.header += "b";
    c.raw = &t.raw_data();
    return c;
  }
  if (decodable) {
    try {
      const Tensor decoded = tensor_from_proto(t);
      c.header += "b";
      c.owned.assign(static_cast<const char*>(decoded.data()), decoded.nbytes());
      return c;
    } catch (const Error&) {
    }
  }
  TensorProto copy = t;
  copy.clear_name();
  c.header += "p";
  c.owned = copy.SerializeAsString();
  return c;
}

class EliminateDuplicateInitializer final : public Pass {
 public:
  std::string name() const override { return "eliminate_duplicate_initializer"; }
  std::string description() const override { return "merge initializers that hold the same constant"; }

  int run(Graph& graph) const override {
    // Decide everything first (removing initializers edits the list being read). Only hashes are
    // kept; contents are recomputed to confirm a match, so no second copy of the weights is held.
    std::unordered_map<size_t, std::vector<const TensorProto*>> kept;
    std::vector<std::pair<std::string, std::string>> duplicates;  // (duplicate, the first one)
    for (const auto& t : graph.proto().initializer()) {
      if (t.name().empty() || graph.is_graph_input(t.name())) continue;
      const Content c = content_of(t);
      const size_t hash = std::hash<std::string_view>{}(c.bytes()) ^ (std::hash<std::string>{}(c.header) * 31);
      auto& bucket = kept[hash];
      auto same = std::find_if(bucket.begin(), bucket.end(), [&](const TensorProto* k) { return content_of(*k) == c; });
      if (same == bucket.end())
        bucket.push_back(&t);
      else if (!graph.is_graph_output(t.name()) && (*same)->name() != t.name())
        duplicates.emplace_back(t.name(), (*same)->name());
    }
    int removed = 0;
    for (const auto& [duplicate, first] : duplicates) {
      if (!graph.replace_uses(duplicate, first)) continue;
      graph.remove_initializer(duplicate);
      ++removed;
    }
    return removed;
  }
};

PIU_REGISTER_PASS(EliminateDuplicateInitializer);

}  // namespace
}  // namespace piu::passes
