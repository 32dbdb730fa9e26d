// The call spec of AOTInductor packages (torch.utils._pytree's treespec_dumps JSON): leaf counts and
// names, as the aoti backend reports a package's inputs and outputs. The strings are what torch 2.x
// writes for the calls named in each case.
#include <gtest/gtest.h>

#include "backends/torch/pytree_spec.hpp"
#include "piu/core.hpp"

namespace piu::torch_util {
namespace {

using Names = std::vector<std::string>;

constexpr const char* kLeaf = R"({"type": null, "context": null, "children_spec": []})";

std::string node(const std::string& type, const std::string& context, const std::vector<std::string>& children) {
  std::string c;
  for (const auto& child : children) c += (c.empty() ? "" : ", ") + child;
  return R"({"type": ")" + type + R"(", "context": )" + context + R"(, "children_spec": [)" + c + "]}";
}

std::string call(const std::vector<std::string>& args, const std::string& kwargs) {
  return "[1, " + node("builtins.tuple", "\"null\"", {node("builtins.tuple", "\"null\"", args), kwargs}) + "]";
}

TEST(PytreeSpec, OnePositionalInput) {
  // forward(x): ((x,), {})
  const std::string spec = call({kLeaf}, node("builtins.dict", R"("[]")", {}));
  EXPECT_EQ(pytree_leaf_names(spec, "input", "m.pt2"), Names{"input"});
}

TEST(PytreeSpec, PositionalListAndKeywordInputs) {
  // forward(x, [a, b], mask=m): ((x, [a, b]), {"mask": m})
  const std::string spec = call({kLeaf, node("builtins.list", "\"null\"", {kLeaf, kLeaf})},
                                node("builtins.dict", R"("[\"mask\"]")", {kLeaf}));
  EXPECT_EQ(pytree_leaf_names(spec, "input", "m.pt2"), (Names{"input_0", "input_1", "input_2", "mask"}));
}

TEST(PytreeSpec, OutputsTupleAndDict) {
  EXPECT_EQ(pytree_leaf_names("[1, " + std::string(kLeaf) + "]", "output", "m.pt2"), Names{"output"});
  const std::string tuple = "[1, " + node("builtins.tuple", "\"null\"", {kLeaf, kLeaf}) + "]";
  EXPECT_EQ(pytree_leaf_names(tuple, "output", "m.pt2"), (Names{"output_0", "output_1"}));
  // {"out": x, "aux": {"logits": y}}; no spaces, as another writer may emit
  std::string nested =
      "[1," +
      node("builtins.dict", R"("[\"out\", \"aux\"]")", {kLeaf, node("builtins.dict", R"("[\"logits\"]")", {kLeaf})}) +
      "]";
  EXPECT_EQ(pytree_leaf_names(nested, "output", "m.pt2"), (Names{"out", "aux.logits"}));
}

TEST(PytreeSpec, BadSpecsAreBadInputNamingThePackage) {
  for (const char* bad : {"", "[1, {\"type\": null}]", "not json",
                          "[1, {\"type\": \"builtins.tuple\", "
                          "\"context\": \"null\", \"children_spec\": [}]"}) {
    try {
      pytree_leaf_names(bad, "input", "m.pt2: input spec");
      FAIL() << "accepted: " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kBadInput);
      EXPECT_NE(std::string(e.what()).find("m.pt2: input spec: not a pytree spec"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace piu::torch_util
