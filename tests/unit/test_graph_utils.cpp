// onnx/graph_utils: the small proto helpers every module shares, on hand-built protos.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "onnx/graph_utils.hpp"
#include "passes/graph.hpp"

namespace gu = piu::graph_utils;
namespace onnx = piu::onnx;

namespace {

onnx::NodeProto make_node(const std::string& op, const std::string& name = "", const std::string& output = "",
                          const std::vector<std::string>& inputs = {}) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name(name);
  for (const std::string& input : inputs) n.add_input(input);
  if (!output.empty()) n.add_output(output);
  return n;
}

// A graph of `nodes` Relu nodes (no inputs or outputs: only the node list matters here).
onnx::GraphProto graph_of(int nodes) {
  onnx::GraphProto g;
  for (int i = 0; i < nodes; ++i) *g.add_node() = make_node("Relu");
  return g;
}

// An If node with both branches set (attributes `then_branch` and `else_branch`, field g).
onnx::NodeProto if_node(const onnx::GraphProto& then_branch, const onnx::GraphProto& else_branch) {
  onnx::NodeProto n = make_node("If");
  auto* t = n.add_attribute();
  t->set_name("then_branch");
  t->set_type(onnx::AttributeProto::GRAPH);
  *t->mutable_g() = then_branch;
  auto* e = n.add_attribute();
  e->set_name("else_branch");
  e->set_type(onnx::AttributeProto::GRAPH);
  *e->mutable_g() = else_branch;
  return n;
}

}  // namespace

TEST(GraphUtils, DefaultDomainHasTwoSpellings) {
  EXPECT_TRUE(gu::is_default_domain(""));
  EXPECT_TRUE(gu::is_default_domain("ai.onnx"));
  EXPECT_FALSE(gu::is_default_domain("ai.onnx.ml"));
  EXPECT_FALSE(gu::is_default_domain("com.microsoft"));
  onnx::NodeProto n = make_node("Relu");
  EXPECT_TRUE(gu::is_onnx_domain(n));
  n.set_domain("com.microsoft");
  EXPECT_FALSE(gu::is_onnx_domain(n));
}

TEST(GraphUtils, DefaultOpsetIgnoresOtherDomains) {
  onnx::ModelProto m;
  EXPECT_EQ(gu::default_opset(m), 0) << "no import at all";
  auto* ml = m.add_opset_import();
  ml->set_domain("ai.onnx.ml");
  ml->set_version(3);
  EXPECT_EQ(gu::default_opset(m), 0) << "only another domain";
  auto* def = m.add_opset_import();
  def->set_domain("ai.onnx");
  def->set_version(13);
  EXPECT_EQ(gu::default_opset(m), 13);
  def->set_domain("");
  EXPECT_EQ(gu::default_opset(m), 13);
}

TEST(GraphUtils, SubgraphsInGAndGraphsFields) {
  EXPECT_FALSE(gu::has_subgraph(make_node("Relu")));
  onnx::NodeProto plain = make_node("Transpose");
  auto* perm = plain.add_attribute();
  perm->set_name("perm");
  perm->set_type(onnx::AttributeProto::INTS);
  perm->add_ints(1);
  EXPECT_FALSE(gu::has_subgraph(plain)) << "attributes without graphs";

  const onnx::NodeProto branch = if_node(graph_of(1), graph_of(2));
  EXPECT_TRUE(gu::has_subgraph(branch));
  onnx::NodeProto many = make_node("Custom");
  auto* graphs = many.add_attribute();
  graphs->set_name("bodies");
  graphs->set_type(onnx::AttributeProto::GRAPHS);
  *graphs->add_graphs() = graph_of(3);
  *graphs->add_graphs() = graph_of(4);
  EXPECT_TRUE(gu::has_subgraph(many));

  std::vector<int> sizes;
  gu::for_each_subgraph(branch, [&](const onnx::GraphProto& g) { sizes.push_back(g.node_size()); });
  gu::for_each_subgraph(many, [&](const onnx::GraphProto& g) { sizes.push_back(g.node_size()); });
  EXPECT_EQ(sizes, (std::vector<int>{1, 2, 3, 4})) << "attribute order, g before graphs";

  gu::for_each_subgraph(many, [](onnx::GraphProto& g) { g.set_name("edited"); });
  EXPECT_EQ(many.attribute(0).graphs(1).name(), "edited") << "the mutable overload edits in place";
}

TEST(GraphUtils, CountNodesCountsEveryDepth) {
  EXPECT_EQ(gu::count_nodes(onnx::GraphProto()), 0);
  onnx::GraphProto inner = graph_of(2);
  *inner.add_node() = if_node(graph_of(1), graph_of(1));  // 3 nodes + 2 in its branches
  onnx::GraphProto outer = graph_of(1);
  *outer.add_node() = if_node(inner, graph_of(4));  // 2 nodes + (5) + 4
  EXPECT_EQ(gu::count_nodes(outer), 2 + 5 + 4);
}

TEST(GraphUtils, NodeLabelFallsBackToOutputThenQuestionMark) {
  EXPECT_EQ(gu::node_label(make_node("Relu", "relu1", "y")), "relu1");
  EXPECT_EQ(gu::node_label(make_node("Relu", "", "y")), "y");
  EXPECT_EQ(gu::node_label(make_node("Relu")), "?");
}

TEST(GraphUtils, TensorSizesFollowDimsAndType) {
  onnx::TensorProto t;
  t.set_data_type(onnx::TensorProto::FLOAT);
  EXPECT_EQ(gu::tensor_element_count(t), 1) << "a scalar";
  EXPECT_EQ(gu::tensor_byte_size(t), 4);
  t.add_dims(2);
  t.add_dims(3);
  EXPECT_EQ(gu::tensor_element_count(t), 6);
  EXPECT_EQ(gu::tensor_byte_size(t), 24);
  t.set_data_type(onnx::TensorProto::FLOAT16);
  EXPECT_EQ(gu::tensor_byte_size(t), 12);
  t.set_data_type(onnx::TensorProto::STRING);
  EXPECT_EQ(gu::tensor_byte_size(t), 0) << "a type without a fixed size";
  t.add_dims(0);
  EXPECT_EQ(gu::tensor_element_count(t), 0) << "an empty tensor";
}

TEST(GraphUtils, RemoveUnusedInitializersKeepsReadAndInterfaceValues) {
  onnx::GraphProto proto;
  for (const char* name : {"read", "unread", "also_input"}) {
    auto* t = proto.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
  }
  auto* x = proto.add_input();
  x->set_name("x");
  proto.add_input()->set_name("also_input");  // IR < 4 style: an initializer listed as an input
  proto.add_output()->set_name("y");
  *proto.add_node() = make_node("Add", "add", "y", {"x", "read"});
  {
    piu::passes::Graph graph(proto, 17);
    graph.remove_unused_initializers({"read", "unread", "also_input", "", "not_there"});
    EXPECT_TRUE(graph.is_initializer("read"));
    EXPECT_FALSE(graph.is_initializer("unread"));
    EXPECT_TRUE(graph.is_initializer("also_input")) << "graph inputs are part of the interface";
  }
  ASSERT_EQ(proto.initializer_size(), 2);
  EXPECT_EQ(proto.input_size(), 2);
}

TEST(GraphUtils, NondeterministicOpsAreRandomDrawsAndDropout) {
  for (const char* op : {"RandomNormal", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout"})
    EXPECT_TRUE(gu::is_nondeterministic(op)) << op;
  for (const char* op : {"Shape", "Add", "Constant", "Range"}) EXPECT_FALSE(gu::is_nondeterministic(op)) << op;
}

TEST(GraphUtils, DimParamOnTwoDimsOfOneValueIsAmbiguous) {
  onnx::GraphProto g;
  auto add_value = [](onnx::ValueInfoProto* v, const std::vector<std::string>& dims) {
    auto* shape = v->mutable_type()->mutable_tensor_type()->mutable_shape();
    for (const auto& d : dims) shape->add_dim()->set_dim_param(d);
  };
  add_value(g.add_input(), {"batch", "?", "?"});
  add_value(g.add_output(), {"batch", "seq"});
  add_value(g.add_value_info(), {"seq", "unk__1", "unk__1"});
  EXPECT_EQ(gu::ambiguous_dim_params(g), (std::unordered_set<std::string>{"?", "unk__1"}));
}
