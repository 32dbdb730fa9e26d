// Linear algebra beyond matmul: mm, mv, outer, tensordot, linalg_cross, linalg_det, logdet.
#include <algorithm>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

void mm(ConvertContext& ctx) { ctx.bind(0, ctx.emit("MatMul", {ctx.tensor(0), ctx.tensor(1)})); }

// outer(a, b): a[:, None] * b
void outer(ConvertContext& ctx) { ctx.bind(0, ctx.emit("Mul", {unsqueeze(ctx, ctx.tensor(0), {1}), ctx.tensor(1)})); }

// tensordot(a, b, dims_a, dims_b): an Einsum contracting dims_a of a with dims_b of b (opset 12).
void tensordot(ConvertContext& ctx) {
  if (ctx.opset() < 12) throw Unconvertible("tensordot needs opset 12 (Einsum)");
  const int64_t ra = ctx.rank(0), rb = ctx.rank(1);
  auto da = ctx.ints_const(2), db = ctx.ints_const(3);
  if (da.size() != db.size() || ra + rb > 26) throw Unconvertible("tensordot with mismatched dims");
  std::string a(static_cast<size_t>(ra), ' '), b(static_cast<size_t>(rb), ' ');
  for (int64_t d = 0; d < ra; ++d) a[d] = static_cast<char>('a' + d);
  for (size_t k = 0; k < da.size(); ++k) {
    if (da[k] < 0) da[k] += ra;
    if (db[k] < 0) db[k] += rb;
    b[db[k]] = a[da[k]];
  }
  char next = static_cast<char>('a' + ra);
  std::string out;
  for (int64_t d = 0; d < ra; ++d)
    if (std::find(da.begin(), da.end(), d) == da.end()) out += a[d];
  for (int64_t d = 0; d < rb; ++d)
    if (b[d] == ' ') out += (b[d] = next++);
  auto& n = ctx.add("Einsum", {ctx.tensor(0), ctx.tensor(1)});
  auto* attr = n.add_attribute();
  attr->set_name("equation");
  attr->set_type(onnx::AttributeProto::STRING);
  attr->set_s(a + "," + b + "->" + out);
  ctx.bind(0, n.output(0));
}

// linalg_cross(a, b, dim=-1): c_i = a_{i+1} b_{i+2} - a_{i+2} b_{i+1} over a dim of size 3.
void linalg_cross(ConvertContext& ctx) {
  const int64_t dim = ctx.num_inputs() > 2 ? ctx.int_const(2) : -1;
  auto rotated = [&](const std::string& v, const std::vector<int64_t>& order) {
    auto& g = ctx.add("Gather", {v, ctx.const_i64(order)});
    set_int(g, "axis", dim);
    return g.output(0);
  };
  const std::string a = ctx.tensor(0), b = ctx.tensor(1);
  const std::string ab = ctx.emit("Mul", {rotated(a, {1, 2, 0}), rotated(b, {2, 0, 1})});
  const std::string ba = ctx.emit("Mul", {rotated(a, {2, 0, 1}), rotated(b, {1, 2, 0})});
  ctx.bind(0, ctx.emit("Sub", {ab, ba}));
}

void linalg_det(ConvertContext& ctx) { ctx.bind(0, ctx.emit("Det", {ctx.tensor(0)})); }
void logdet(ConvertContext& ctx) { ctx.bind(0, ctx.emit("Log", {ctx.emit("Det", {ctx.tensor(0)})})); }

}  // namespace

PIU_REGISTER_CONVERTER(aten_mm, "aten::mm", mm);
PIU_REGISTER_CONVERTER(aten_mv, "aten::mv", mm);  // [n, m] x [m]: MatMul's vector rule
PIU_REGISTER_CONVERTER(aten_outer, "aten::outer", outer);
PIU_REGISTER_CONVERTER(aten_tensordot, "aten::tensordot", tensordot);
PIU_REGISTER_CONVERTER(aten_linalg_cross, "aten::linalg_cross", linalg_cross);
PIU_REGISTER_CONVERTER(aten_linalg_det, "aten::linalg_det", linalg_det);
PIU_REGISTER_CONVERTER(aten_logdet, "aten::logdet", logdet);

}  // namespace piu::exporter
