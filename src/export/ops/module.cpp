// What is left of the module itself in a scripted graph once the reader has inlined its methods and
// made its attributes constants: state forward() writes, attributes no constant holds, and calls
// LibTorch could not inline. ONNX has none of these; each is reported with what to do instead.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

std::string attribute(const ConvertContext& ctx) {
  return ctx.node().attribute.empty() ? "a module attribute" : ctx.node().attribute;
}

// self.x read where forward() also writes it (the reader made every attribute forward() only reads
// a constant where a constant can hold it), or an attribute no constant holds (a dict, an object).
void get_attr(ConvertContext& ctx) {
  const IrValue& out = ctx.value(ctx.node().outputs.at(0));
  if (out.type == IrType::kOther || out.type == IrType::kNone)
    throw Unconvertible("reads " + attribute(ctx) + ", a " + out.type_str +
                        "; piu reads attributes that are tensors, numbers, strings or lists of them");
  throw Unconvertible("reads " + attribute(ctx) +
                      ", module state that forward() writes; ONNX models hold no state: pass the state as an input "
                      "and return its new value");
}

void set_attr(ConvertContext& ctx) {
  throw Unconvertible("forward() writes " + attribute(ctx) +
                      " (module state); ONNX models hold no state: pass the state as an input and return its new "
                      "value");
}

void call(ConvertContext& ctx) {
  throw Unconvertible("a call of " + (ctx.node().attribute.empty() ? std::string("a method") : ctx.node().attribute) +
                      " that LibTorch could not inline (a method of an interface-typed attribute, or a function "
                      "passed as a value)");
}

}  // namespace

PIU_REGISTER_CONVERTER(prim_GetAttr, "prim::GetAttr", get_attr);
PIU_REGISTER_CONVERTER(prim_SetAttr, "prim::SetAttr", set_attr);
PIU_REGISTER_CONVERTER(prim_CallMethod, "prim::CallMethod", call);
PIU_REGISTER_CONVERTER(prim_CallFunction, "prim::CallFunction", call);

}  // namespace piu::exporter
