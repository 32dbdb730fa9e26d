// The `piu._piu` extension module: Python bindings of piu's public C++ API (Session and the jobs).
// It converts arguments and results and nothing else: every workflow lives in the library, so the
// CLI and Python do the same thing. numpy arrays cross without copies in both directions, and the
// GIL is released while C++ runs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "piu/core.hpp"
#include "piu/deploy.hpp"
#include "piu/jobs.hpp"
#include "piu/jobs_quant.hpp"
#include "piu/jobs_session.hpp"
#include "piu/onnx.hpp"
#include "piu/session.hpp"
#include "piu/tensorrt.hpp"
#include "piu/version.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

// ---------------------------------------------------------------------------------------------
// Errors: one Python class per ErrorCode under piu.Error (a RuntimeError), each carrying `.code`.
// ---------------------------------------------------------------------------------------------

struct ErrorClass {
  piu::ErrorCode code;
  const char* name;
  const char* doc;
};
constexpr std::array kErrorClasses = {
    ErrorClass{piu::ErrorCode::kBadInput, "BadInputError", "The user's file, tensor or option is wrong."},
    ErrorClass{piu::ErrorCode::kUnsupported, "UnsupportedError", "Valid input that piu cannot handle."},
    ErrorClass{piu::ErrorCode::kIo, "IoError", "A file cannot be read or written."},
    ErrorClass{piu::ErrorCode::kBackend, "BackendError", "A runtime (ONNX Runtime, LibTorch) failed."},
    ErrorClass{piu::ErrorCode::kVerificationFailed, "VerificationError",
               "A transformed model computes different outputs than its input; nothing was written."},
    ErrorClass{piu::ErrorCode::kInternal, "InternalError", "A bug in piu."},
};
// Borrowed: the module owns the classes and outlives every call that raises them.
std::array<PyObject*, kErrorClasses.size()> error_types{};

PyObject* new_exception_class(py::module_& m, const char* name, const char* doc, PyObject* base) {
  const std::string qualified = std::string("piu.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::reinterpret_steal<py::object>(type));
  return type;
}

void register_errors(py::module_& m) {
  PyObject* base = new_exception_class(
      m, "Error", "Base of piu's errors; `.code` is the error code's name (\"bad input\", \"i/o error\", ...).",
      PyExc_RuntimeError);
  for (size_t i = 0; i < kErrorClasses.size(); ++i)
    error_types[i] = new_exception_class(m, kErrorClasses[i].name, kErrorClasses[i].doc, base);
  // pybind11 takes a void(*)(std::exception_ptr): the parameter cannot be a reference.
  py::register_exception_translator([](std::exception_ptr thrown) {  // NOLINT(performance-unnecessary-value-param)
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const piu::Error& e) {
      PyObject* type = PyExc_RuntimeError;
      for (size_t i = 0; i < kErrorClasses.size(); ++i)
        if (kErrorClasses[i].code == e.code()) type = error_types[i];
      py::object error = py::reinterpret_borrow<py::object>(type)(e.what());
      error.attr("code") = std::string(piu::error_code_name(e.code()));
      PyErr_SetObject(type, error.ptr());
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Arrays and tensors
// ---------------------------------------------------------------------------------------------

// numpy's dtype object and type number of each piu dtype numpy has (bfloat16 has none), made once:
// a run then maps dtypes by number, without parsing or allocating names.
struct NumpyType {
  piu::DType dtype;
  py::dtype numpy;
  int num;
};
const std::vector<NumpyType>& numpy_types() {
  static const std::vector<NumpyType> table = [] {
    std::vector<NumpyType> t;
    const auto add = [&t](piu::DType d, py::dtype n) { t.push_back({d, n, n.num()}); };
    add(piu::DType::kFloat32, py::dtype::of<float>());
    add(piu::DType::kFloat16, py::dtype("float16"));
    add(piu::DType::kFloat64, py::dtype::of<double>());
    add(piu::DType::kInt8, py::dtype::of<int8_t>());
    add(piu::DType::kUInt8, py::dtype::of<uint8_t>());
    add(piu::DType::kInt16, py::dtype::of<int16_t>());
    add(piu::DType::kUInt16, py::dtype::of<uint16_t>());
    add(piu::DType::kInt32, py::dtype::of<int32_t>());
    add(piu::DType::kUInt32, py::dtype::of<uint32_t>());
    add(piu::DType::kInt64, py::dtype::of<int64_t>());
    add(piu::DType::kUInt64, py::dtype::of<uint64_t>());
    add(piu::DType::kBool, py::dtype::of<bool>());
    return t;
  }();
  return table;
}

// An ndarray as a borrowed host tensor. `array` must be C-contiguous and stay alive while the
// tensor is used. `what` names it in errors ("input x").
template <typename What>
piu::Tensor borrow_array(const py::array& array, const What& what) {
  const int num = array.dtype().num();
  std::optional<piu::DType> dtype;
  for (const auto& t : numpy_types())
    if (t.num == num) dtype = t.dtype;
  if (!dtype) {  // an equivalent spelling (e.g. longlong for int64): by name
    try {
      dtype = piu::parse_dtype(py::str(array.dtype()).cast<std::string>());
    } catch (const piu::Error& e) {
      throw e.with_context(what());
    }
  }
  piu::Shape shape(array.shape(), array.shape() + array.ndim());
  return piu::Tensor::borrow(const_cast<void*>(array.data()), *dtype, std::move(shape));
}

// A C-contiguous ndarray over `object`'s data: the array itself when it already is one, else one
// copy. Throws kBadInput naming what() when numpy cannot make an array of it.
template <typename What>
py::array contiguous(const py::handle& object, const What& what) {
  py::array array = py::array::ensure(object, py::array::c_style);
  if (!array) throw piu::Error(piu::ErrorCode::kBadInput, what() + ": numpy cannot make an array of this object");
  return array;
}

// An ndarray over the tensor's buffer, without a copy: a capsule holding a (shallow) copy of the
// Tensor is the array's base, so the buffer lives as long as the array.
py::array tensor_to_array(const piu::Tensor& tensor, const std::string& name) {
  if (tensor.device().kind != piu::DeviceKind::kCpu)
    throw piu::Error(piu::ErrorCode::kUnsupported, "output " + name + " is not in host memory");
  if (tensor.dtype() == piu::DType::kBFloat16)
    throw piu::Error(piu::ErrorCode::kUnsupported, "output " + name + " is bfloat16, which numpy has no type for");
  auto keep = std::make_unique<piu::Tensor>(tensor);
  void* data = keep->data();
  // The capsule owns the copy from here on and deletes it when the array lets go of it.
  py::capsule base(keep.get(), [](void* held) { std::unique_ptr<piu::Tensor> owned(static_cast<piu::Tensor*>(held)); });
  static_cast<void>(keep.release());  // owned by the capsule now
  const std::vector<py::ssize_t> shape(tensor.shape().begin(), tensor.shape().end());
  for (const auto& t : numpy_types())
    if (t.dtype == tensor.dtype()) return py::array(t.numpy, shape, data, base);
  throw piu::Error(piu::ErrorCode::kInternal, "output " + name + ": no numpy type for its dtype");
}

// ---------------------------------------------------------------------------------------------
// Shapes as Python users write them
// ---------------------------------------------------------------------------------------------

piu::Shape to_shape(const py::handle& dims) {
  if (py::isinstance<py::str>(dims)) return piu::parse_shape(dims.cast<std::string>());
  piu::Shape shape;
  for (const py::handle& dim : dims) shape.push_back(dim.is_none() ? piu::kDynamicDim : dim.cast<int64_t>());
  return shape;
}

// None; "input:-1x3x224x224" (several separated by ';' or spaces); [1, 3, 224, 224] (the first
// input); {"input": [-1, 3, 224, 224]}; or a list of strings and dim lists.
std::vector<piu::ShapeSpec> to_shape_specs(const py::handle& specs) {
  std::vector<piu::ShapeSpec> result;
  if (specs.is_none()) return result;
  if (py::isinstance<py::str>(specs)) return piu::parse_shape_specs(specs.cast<std::string>());
  if (py::isinstance<py::dict>(specs)) {
    for (const auto& [name, dims] : specs.cast<py::dict>())
      result.push_back({name.cast<std::string>(), to_shape(dims)});
    return result;
  }
  const auto items = specs.cast<py::sequence>();
  if (!items.empty() && (py::isinstance<py::int_>(items[0]) || items[0].is_none())) return {{"", to_shape(items)}};
  for (const py::handle& item : items) {
    if (py::isinstance<py::str>(item))
      result.push_back(piu::parse_shape_spec(item.cast<std::string>()));
    else
      result.push_back({"", to_shape(item)});
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Session
// ---------------------------------------------------------------------------------------------

py::dict tensor_info_dict(const piu::TensorInfo& info) {
  return py::dict("name"_a = info.name, "dtype"_a = std::string(piu::dtype_name(info.dtype)), "shape"_a = info.shape,
                  "dim_names"_a = info.dim_names, "rank_known"_a = info.rank_known);
}

py::list tensor_info_list(const std::vector<piu::TensorInfo>& infos) {
  py::list list;
  for (const auto& info : infos) list.append(tensor_info_dict(info));
  return list;
}

py::object run_session(const piu::Session& session, const py::object& inputs, bool as_dict) {
  std::vector<py::array> arrays;  // keeps every borrowed buffer alive until the run ends
  std::vector<piu::Tensor> outputs;
  if (py::isinstance<py::dict>(inputs)) {
    std::map<std::string, piu::Tensor> named;
    for (const auto& [key, value] : inputs.cast<py::dict>()) {
      const auto name = key.cast<std::string>();
      const auto what = [&name] { return "input " + name; };
      arrays.push_back(contiguous(value, what));
      named[name] = borrow_array(arrays.back(), what);
    }
    py::gil_scoped_release release;
    outputs = session.run_named(named);
  } else {
    if (!py::isinstance<py::array>(inputs) &&
        (!py::isinstance<py::sequence>(inputs) || py::isinstance<py::str>(inputs)))
      throw piu::Error(piu::ErrorCode::kBadInput, "inputs must be a list of arrays or a dict {input name: array}");
    // One array stands for a list of one (iterating it would yield its rows).
    const py::object values = py::isinstance<py::array>(inputs) ? py::object(py::make_tuple(inputs)) : inputs;
    std::vector<piu::Tensor> ordered;
    for (const py::handle& value : values) {
      const size_t i = ordered.size();
      const auto what = [&session, i] {
        return "input " + (i < session.inputs().size() ? session.inputs()[i].name : std::to_string(i));
      };
      arrays.push_back(contiguous(value, what));
      ordered.push_back(borrow_array(arrays.back(), what));
    }
    py::gil_scoped_release release;
    outputs = session.run(ordered);
  }
  py::list list;
  py::dict dict;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string& name = session.outputs().at(i).name;
    py::array array = tensor_to_array(outputs[i], name);
    if (as_dict)
      dict[py::str(name)] = array;
    else
      list.append(array);
  }
  return as_dict ? py::object(dict) : py::object(list);
}

// Keyword arguments that the CLI checks while it parses its options, checked here in its words with
// the option spelled as the keyword: "threads: -1 is below 0" where the CLI says "option --threads:
// -1 is below 0" (tests/python/test_bad_input_table.py holds the two side by side).
int checked_threads(int threads) {
  if (threads < 0) throw piu::Error(piu::ErrorCode::kBadInput, "threads: " + std::to_string(threads) + " is below 0");
  return threads;
}

// Batch sizes, 1 or more (a batch of 0 would verify or time nothing).
int64_t checked_batch(int64_t batch) {
  if (batch < 1) throw piu::Error(piu::ErrorCode::kBadInput, "batch: " + std::to_string(batch) + " is below 1");
  return batch;
}

std::vector<int64_t> checked_batches(const std::vector<int64_t>& batches) {
  for (int64_t batch : batches)
    if (batch < 1)
      throw piu::Error(piu::ErrorCode::kBadInput, "batches: '" + std::to_string(batch) + "' is not a positive integer");
  return batches;
}

std::unique_ptr<piu::Session> open_session(const std::string& path, int threads, const std::string& backend,
                                           const std::string& device,
                                           const std::map<std::string, std::string>& provider_options) {
  piu::SessionOptions options;
  options.backend = backend;
  options.intra_op_num_threads = checked_threads(threads);
  options.device = piu::parse_device(device);
  options.provider_options = provider_options;
  py::gil_scoped_release release;
  return piu::Session::open(path, options);
}

void bind_session(py::module_& m) {
  py::class_<piu::Session, std::unique_ptr<piu::Session>>(m, "Session", R"(A loaded model ready to run.

Session(path, threads=0, backend="auto", device="cpu", provider_options={}) opens an ONNX model
(ONNX Runtime), a TorchScript file (LibTorch) or an AOTInductor package (.pt2); "auto" picks the
backend from the file's kind. threads=0 lets the runtime choose. device "cuda" or "cuda:N" runs on
the GPU (ONNX Runtime's CUDA provider, its GPU build needed; LibTorch built with CUDA; inputs and
outputs stay numpy arrays in host memory), with the backend's provider_options (ort: ONNX Runtime's
names, cudnn_conv_algo_search, enable_cuda_graph, ...; torch: dtype, channels_last, cuda_graph, ...).
backend="tensorrt" (asked for by name only, on "cuda:N") runs it on ONNX Runtime's TensorRT provider
with CUDA's as fallback: trt_* provider options go to TensorRT (tensorrt_provider_options builds
them from the seed's parameters); where TensorRT is missing, UnsupportedError says what to install
(check_tensorrt_health's message).
run() may be called from several Python threads at once; the GIL is released while it runs.)")
      .def(py::init(&open_session), "path"_a, "threads"_a = 0, "backend"_a = "auto", "device"_a = "cpu",
           "provider_options"_a = std::map<std::string, std::string>{})
      .def_property_readonly(
          "inputs", [](const piu::Session& s) { return tensor_info_list(s.inputs()); },
          "The model's inputs: dicts of name, dtype (a numpy dtype name), shape (-1 for "
          "dynamic dims), dim_names and rank_known (False: TorchScript, any shape).")
      .def_property_readonly(
          "outputs", [](const piu::Session& s) { return tensor_info_list(s.outputs()); },
          "The model's outputs, described like `inputs`.")
      .def_property_readonly("backend", &piu::Session::backend, "The backend's name (\"ort\", \"torch\").")
      .def_property_readonly("path", &piu::Session::path, "The file the session was opened from.")
      .def("run", &run_session, "inputs"_a, "as_dict"_a = false,
           R"(Runs the model once.

inputs: a list (or tuple) of arrays in the model's input order, one array for a model of one input,
or a dict {input name: array}. C-contiguous
arrays are read in place (others are copied once). Every input is checked against `inputs`:
count, dtype, rank and static dims; a mismatch raises BadInputError naming the input.
Returns the outputs as a list in the model's order, or a dict {output name: array} with
as_dict=True. The arrays are views of piu's buffers (no copy); each keeps its buffer alive.)")
      .def("__repr__",
           [](const piu::Session& s) { return "piu.Session('" + s.path() + "', backend='" + s.backend() + "')"; });
}

// ---------------------------------------------------------------------------------------------
// Jobs: keyword arguments -> the job's options struct; the report's JSON -> a dict
// ---------------------------------------------------------------------------------------------

template <typename Report>
py::object report_dict(const Report& report) {
  return py::module_::import("json").attr("loads")(report.to_json());
}

// Runs `job` without the GIL and returns its report as a dict.
template <typename Job>
py::object run_job(Job&& job) {
  auto report = [&] {
    py::gil_scoped_release release;
    return job();
  }();
  return report_dict(report);
}

// Inputs to verify on: None; {input name: ndarray} (copied); "NAME=FILE.npy" / "FILE.npz" or a
// list of such strings (read as --input reads them).
std::vector<piu::GivenInput> to_given_inputs(const py::handle& inputs) {
  if (inputs.is_none()) return {};
  if (py::isinstance<py::str>(inputs)) return piu::read_given_inputs({inputs.cast<std::string>()});
  if (!py::isinstance<py::dict>(inputs)) return piu::read_given_inputs(inputs.cast<std::vector<std::string>>());
  std::vector<piu::GivenInput> given;
  for (const auto& [key, value] : inputs.cast<py::dict>()) {
    const auto name = key.cast<std::string>();
    const std::string source = "inputs['" + name + "']";
    const auto what = [&source] { return source; };
    const py::array array = contiguous(py::reinterpret_borrow<py::object>(value), what);
    given.push_back({name, borrow_array(array, what).clone(), source});
  }
  return given;
}

// Integer ranges of random inputs: None, {input name: (low, high)} or "NAME:LO:HI" strings.
std::vector<piu::IntRange> to_int_ranges(const py::handle& ranges) {
  std::vector<piu::IntRange> out;
  if (ranges.is_none()) return out;
  if (py::isinstance<py::str>(ranges)) return {piu::parse_int_range(ranges.cast<std::string>())};
  if (py::isinstance<py::dict>(ranges)) {
    for (const auto& [key, value] : ranges.cast<py::dict>()) {
      const auto bounds = value.cast<std::pair<int64_t, int64_t>>();
      out.push_back(piu::parse_int_range(key.cast<std::string>() + ":" + std::to_string(bounds.first) + ":" +
                                         std::to_string(bounds.second)));
    }
    return out;
  }
  for (const auto& text : ranges.cast<std::vector<std::string>>()) out.push_back(piu::parse_int_range(text));
  return out;
}

// The keyword arguments every model-writing job shares. None keeps the job's own default.
struct WriteArgs {
  bool verify = true;
  int threads = 0;
  std::optional<std::vector<int64_t>> batches;
  std::optional<double> rel_tol;
  py::object verify_shapes;
  py::object inputs;
  py::object int_ranges;

  void apply_to(piu::WriteOptions& write, const std::string& output) const {
    write.output = output;
    write.verify = verify;
    write.threads = checked_threads(threads);
    if (batches) write.verify_options.batches = checked_batches(*batches);
    if (rel_tol) write.verify_options.rel_tol = *rel_tol;
    write.verify_options.shapes = to_shape_specs(verify_shapes);
    write.verify_options.inputs = to_given_inputs(inputs);
    write.verify_options.int_ranges = to_int_ranges(int_ranges);
  }
};

// Defines a job that writes a model: f(input, output, <job's own arguments>, verify, threads,
// batches, rel_tol, verify_shapes, inputs, int_ranges), all but input and output keyword-only.
template <typename F, typename... JobArgs>
void def_write_job(py::module_& m, const char* name, const std::string& doc, F&& f, JobArgs&&... job_args) {
  m.def(name, std::forward<F>(f), doc.c_str(), "input"_a, "output"_a, py::kw_only(), std::forward<JobArgs>(job_args)...,
        "verify"_a = true, "threads"_a = 0, "batches"_a = py::none(), "rel_tol"_a = py::none(),
        "verify_shapes"_a = py::none(), "inputs"_a = py::none(), "int_ranges"_a = py::none());
}

// The random and given inputs of run/bench/compare; `model` is read for an ONNX model's own integer
// ranges (the embedding tables its integer inputs index).
piu::InputOptions input_options(const std::vector<std::string>& files, const py::object& shapes, uint64_t seed,
                                const py::object& int_ranges, const std::string& model) {
  piu::InputOptions inputs;
  inputs.files = files;
  inputs.shapes = to_shape_specs(shapes);
  inputs.seed = seed;
  inputs.int_ranges = to_int_ranges(int_ranges);
  inputs.model_path = model;
  return inputs;
}

piu::SessionOptions session_options(const std::string& backend, int threads, const std::string& device = "cpu",
                                    const std::map<std::string, std::string>& provider_options = {}) {
  piu::SessionOptions options;
  options.backend = backend;
  options.intra_op_num_threads = checked_threads(threads);
  options.device = piu::parse_device(device);
  options.provider_options = provider_options;
  return options;
}

constexpr const char* kWriteDoc =
    " The result is checked with the ONNX checker and, unless verify=False, run on ONNX Runtime against "
    "the input at `batches` of a dynamic batch (relative tolerance `rel_tol`) before it is written; "
    "a difference raises VerificationError and nothing is written. Returns the report as a dict.";

void bind_write_jobs(py::module_& m) {
  // Named defaults: GCC 12 warns about temporaries' strings here (a false maybe-uninitialized).
  const piu::OptimizeOptions optimize_defaults;
  const piu::RoundWeightsJobOptions round_defaults;
  const piu::Fp16Options fp16_defaults;
  def_write_job(
      m, "optimize",
      std::string("Optimizes an ONNX model with the listed passes (None: the default list).") + kWriteDoc,
      [](const std::string& input, const std::string& output, const std::optional<std::vector<std::string>>& passes,
         bool fixed_point, bool verify, int threads, const std::optional<std::vector<int64_t>>& batches,
         std::optional<double> rel_tol, const py::object& verify_shapes, const py::object& inputs, const py::object& int_ranges) {
        piu::OptimizeJobOptions options;
        options.input = input;
        WriteArgs{verify, threads, batches, rel_tol, verify_shapes, inputs, int_ranges}.apply_to(options.write, output);
        if (passes) options.optimize.passes = *passes;
        options.optimize.fixed_point = fixed_point;
        return run_job([&] { return piu::optimize_job(options); });
      },
      "passes"_a = py::none(), "fixed_point"_a = optimize_defaults.fixed_point);

  const piu::SimplifyOptions simplify_defaults;
  def_write_job(
      m, "simplify",
      std::string("Simplifies an ONNX model: shape inference, constant folding and the default passes until nothing "
                  "changes. input_shapes fixes input dims (\"input:1x3x224x224\"); dims left -1 stay dynamic.") +
          kWriteDoc,
      [](const std::string& input, const std::string& output, const py::object& input_shapes, uint64_t max_fold_bytes,
         bool skip_optimize, bool verify, int threads, const std::optional<std::vector<int64_t>>& batches,
         std::optional<double> rel_tol, const py::object& verify_shapes, const py::object& inputs, const py::object& int_ranges) {
        piu::SimplifyJobOptions options;
        options.input = input;
        WriteArgs{verify, threads, batches, rel_tol, verify_shapes, inputs, int_ranges}.apply_to(options.write, output);
        options.simplify.input_shapes = to_shape_specs(input_shapes);
        options.simplify.max_fold_bytes = max_fold_bytes;
        options.simplify.skip_optimize = skip_optimize;
        return run_job([&] { return piu::simplify_job(options); });
      },
      "input_shapes"_a = py::none(), "max_fold_bytes"_a = simplify_defaults.max_fold_bytes,
      "skip_optimize"_a = simplify_defaults.skip_optimize);

  def_write_job(
      m, "round_weights",
      std::string("Rounds the model's float weights to `digits` decimal places (smaller values become 0).") + kWriteDoc,
      [](const std::string& input, const std::string& output, int digits, bool verify, int threads,
         const std::optional<std::vector<int64_t>>& batches, std::optional<double> rel_tol,
         const py::object& verify_shapes, const py::object& inputs, const py::object& int_ranges) {
        piu::RoundWeightsJobOptions options;
        options.input = input;
        WriteArgs{verify, threads, batches, rel_tol, verify_shapes, inputs, int_ranges}.apply_to(options.write, output);
        options.digits = digits;
        return run_job([&] { return piu::round_weights_job(options); });
      },
      "digits"_a = round_defaults.digits);

  def_write_job(
      m, "fp16",
      std::string("Converts the model to float16 (op_block_list None: the default list of ops kept float32; "
                  "verified through a float32 view at rel_tol 1e-2 unless given).") +
          kWriteDoc,
      [](const std::string& input, const std::string& output, bool keep_io_types,
         const std::optional<std::vector<std::string>>& op_block_list, const std::vector<std::string>& node_block_list,
         bool verify, int threads, const std::optional<std::vector<int64_t>>& batches, std::optional<double> rel_tol,
         const py::object& verify_shapes, const py::object& inputs, const py::object& int_ranges) {
        piu::Fp16JobOptions options;
        options.input = input;
        WriteArgs{verify, threads, batches, rel_tol, verify_shapes, inputs, int_ranges}.apply_to(options.write, output);
        options.fp16.keep_io_types = keep_io_types;
        if (op_block_list) options.fp16.op_block_list = *op_block_list;
        options.fp16.node_block_list = {node_block_list.begin(), node_block_list.end()};
        return run_job([&] { return piu::fp16_job(options); });
      },
      "keep_io_types"_a = fp16_defaults.keep_io_types, "op_block_list"_a = py::none(),
      "node_block_list"_a = std::vector<std::string>{});
}

void bind_export(py::module_& m) {
  const piu::ExportOptions defaults;
  m.def(
      "_export",
      [](const py::object& input, const std::string& output, const py::object& shapes,
         const std::vector<std::string>& input_names, const std::vector<std::string>& output_names, int opset,
         bool constant_folding, bool keep_initializers_as_inputs, bool verify, int threads,
         const std::optional<std::vector<int64_t>>& batches, std::optional<double> rel_tol,
         const py::object& verify_shapes, const std::string& name, const py::object& inputs,
         const py::object& int_ranges) {
        piu::ExportJobOptions options;
        if (py::isinstance<py::bytes>(input) || py::isinstance<py::memoryview>(input)) {
          // One copy out of the Python buffer; the job and LibTorch then only read it.
          const py::buffer_info info = py::reinterpret_borrow<py::buffer>(input).request();
          options.input_bytes = std::make_shared<const std::string>(static_cast<const char*>(info.ptr),
                                                                    static_cast<size_t>(info.size * info.itemsize));
          options.input = name;
        } else {
          options.input = py::str(input).cast<std::string>();
        }
        options.output = output;
        options.export_options.input_shapes = to_shape_specs(shapes);
        options.export_options.input_names = input_names;
        options.export_options.output_names = output_names;
        options.export_options.opset = opset;
        options.export_options.constant_folding = constant_folding;
        options.export_options.keep_initializers_as_inputs = keep_initializers_as_inputs;
        options.verify = verify;
        options.threads = checked_threads(threads);
        if (batches) options.verify_options.batches = checked_batches(*batches);
        if (rel_tol) options.verify_options.rel_tol = *rel_tol;
        options.verify_shapes = to_shape_specs(verify_shapes);
        options.verify_options.inputs = to_given_inputs(inputs);
        options.verify_options.int_ranges = to_int_ranges(int_ranges);
        return run_job([&] { return piu::export_job(options); });
      },
      R"(The export job (piu.export calls it): `input` is a TorchScript file's path or a TorchScript
archive's bytes or memoryview (torch.jit.save into a buffer; `name` names them in messages). Returns the report.)",
      "input"_a, "output"_a, py::kw_only(), "shapes"_a = py::none(), "input_names"_a = defaults.input_names,
      "output_names"_a = defaults.output_names, "opset"_a = defaults.opset,
      "constant_folding"_a = defaults.constant_folding,
      "keep_initializers_as_inputs"_a = defaults.keep_initializers_as_inputs, "verify"_a = true, "threads"_a = 0,
      "batches"_a = py::none(), "rel_tol"_a = py::none(), "verify_shapes"_a = py::none(), "name"_a = "module",
      "inputs"_a = py::none(), "int_ranges"_a = py::none());
}

void bind_session_jobs(py::module_& m) {
  m.def(
      "inspect", [](const std::string& path) { return run_job([&] { return piu::inspect_job(path); }); },
      "Summarizes a model (inputs, outputs, opsets, op histogram, parameters, size) without loading its external "
      "weights. Returns what `piu inspect --json` prints, as a dict.",
      "path"_a);

  const piu::CompareJobOptions compare_defaults;
  m.def(
      "compare",
      [](const std::string& a, const std::string& b, const std::string& backend_a, const std::string& backend_b,
         const std::string& device_a, const std::string& device_b,
         const std::map<std::string, std::string>& provider_options_a,
         const std::map<std::string, std::string>& provider_options_b, const std::vector<std::string>& inputs,
         const py::object& shapes, uint64_t seed, int64_t batch, double abs_tol, double rel_tol, double min_sqnr_db,
         int threads, const py::object& int_ranges) {
        piu::CompareJobOptions options;
        options.a = a;
        options.b = b;
        options.session_a = session_options(backend_a, threads, device_a, provider_options_a);
        options.session_b = session_options(backend_b, threads, device_b, provider_options_b);
        options.inputs = input_options(inputs, shapes, seed, int_ranges, a);
        options.batch = checked_batch(batch);
        options.abs_tol = abs_tol;
        options.rel_tol = rel_tol;
        options.min_sqnr_db = min_sqnr_db;
        return run_job([&] { return piu::compare_job(options); });
      },
      R"(Runs two models (or one on two backends or devices) on the same inputs and compares each
output: an element passes when |a - b| <= abs_tol + rel_tol * |b|, or, with min_sqnr_db > 0, an
output passes when its SQNR against b is at least that (float16 against float32). inputs:
"NAME=FILE.npy" (or "FILE.npy" for the first input); inputs not given are random (shapes for their
dynamic dims, batch for a dynamic first dim, int_ranges ({name: (lo, hi)}) for integer inputs, which
otherwise stay below the embedding table they index). Returns the report as a dict; its "pass" says whether
every output matched.)",
      "a"_a, "b"_a, py::kw_only(), "backend_a"_a = "auto", "backend_b"_a = "auto", "device_a"_a = "cpu",
      "device_b"_a = "cpu", "provider_options_a"_a = std::map<std::string, std::string>{},
      "provider_options_b"_a = std::map<std::string, std::string>{}, "inputs"_a = std::vector<std::string>{},
      "shapes"_a = py::none(), "seed"_a = uint64_t{0}, "batch"_a = compare_defaults.batch,
      "abs_tol"_a = compare_defaults.abs_tol, "rel_tol"_a = compare_defaults.rel_tol,
      "min_sqnr_db"_a = compare_defaults.min_sqnr_db, "threads"_a = 0, "int_ranges"_a = py::none());

  const piu::BenchJobOptions bench_job_defaults;
  const piu::BenchOptions& bench_defaults = bench_job_defaults.bench;
  m.def(
      "bench",
      [](const std::string& model, const std::vector<int64_t>& batches, const std::string& backend, int threads,
         const std::string& device, const std::map<std::string, std::string>& provider_options, const std::string& io,
         const std::vector<std::string>& inputs, const py::object& shapes, uint64_t seed, int warmup, int iterations,
         double duration_s, const py::object& int_ranges) {
        piu::BenchJobOptions options;
        options.model = model;
        options.batches = checked_batches(batches);
        options.session = session_options(backend, threads, device, provider_options);
        if (io != "host" && io != "device")
          throw piu::Error(piu::ErrorCode::kBadInput, "io '" + io + "': expected host or device");
        options.bench.io = io == "device" ? piu::IoPlacement::kDevice : piu::IoPlacement::kHost;
        options.inputs = input_options(inputs, shapes, seed, int_ranges, model);
        options.bench.warmup = warmup;
        options.bench.iterations = iterations;
        options.bench.duration_s = duration_s;
        return run_job([&] { return piu::bench_job(options); });
      },
      R"(Times the model at each batch size on random (or given) inputs: `warmup` untimed runs, then
`iterations` timed runs (0: as many as fit in duration_s). On a GPU (device="cuda:N"), io="host"
times the copies to and from the device too, io="device" keeps inputs and outputs there; runs are
timed by CUDA events. Returns the report as a dict with the latency percentiles and items per
second of each batch.)",
      "model"_a, py::kw_only(), "batches"_a = bench_job_defaults.batches, "backend"_a = "auto", "threads"_a = 0,
      "device"_a = "cpu", "provider_options"_a = std::map<std::string, std::string>{}, "io"_a = "host",
      "inputs"_a = std::vector<std::string>{}, "shapes"_a = py::none(), "seed"_a = uint64_t{0},
      "warmup"_a = bench_defaults.warmup, "iterations"_a = bench_defaults.iterations,
      "duration_s"_a = bench_defaults.duration_s, "int_ranges"_a = py::none());
}

// ---------------------------------------------------------------------------------------------
// Calibration data given from Python (calibrate, quantize)
// ---------------------------------------------------------------------------------------------

// `calibration=` (and `load_item_func=`) as the jobs' CalibrationData. A folder is passed on as a
// path; anything else is materialized into a list (the job reads it twice: calibration, then the
// accuracy check) and read through CalibrationData::load_inputs, which the job calls on its own
// thread without the GIL: it takes the GIL only around the Python code. A Python exception raised
// there is kept and re-raised as itself once the job has unwound (run()). Not copyable: the
// load_item function points at this object, which must outlive the job.
class PythonCalibration {
 public:
  PythonCalibration(const py::object& calibration, const py::object& load_item_func)
      : load_item_func_(load_item_func) {
    const bool is_path = py::isinstance<py::str>(calibration) || py::hasattr(calibration, "__fspath__");
    if (is_path && load_item_func.is_none()) {
      data_.dir = py::module_::import("os").attr("fspath")(calibration).cast<std::string>();
      return;
    }
    if (is_path || !py::isinstance<py::iterable>(calibration))
      throw piu::Error(piu::ErrorCode::kBadInput,
                       load_item_func.is_none()
                           ? "calibration must be a folder, an iterable of arrays or of {input name: array} dicts"
                           : "with load_item_func, calibration must be the list of items passed to it");
    // One array stands for one batch (iterating it would yield its rows one at a time).
    const bool one_array = py::isinstance<py::array>(calibration) && load_item_func.is_none();
    items_ = one_array ? py::list(py::make_tuple(calibration)) : py::list(calibration);
    const std::string prefix = load_item_func.is_none() ? "calibration[" : "calibration_set[";
    for (size_t i = 0; i < items_.size(); ++i) data_.items.push_back(prefix + std::to_string(i) + "]");
    data_.load_inputs = [this](const std::string& name) { return load(name); };
  }
  PythonCalibration(const PythonCalibration&) = delete;
  PythonCalibration& operator=(const PythonCalibration&) = delete;

  // The data for the job; batch_size and max_item_shape as the Python user wrote them.
  piu::CalibrationData data(int64_t batch_size, const py::object& max_item_shape) const;

  // Runs `job` without the GIL (run_job); when a load_item_func raised, re-raises its exception.
  template <typename Job>
  py::object run(Job&& job) {
    try {
      return run_job(std::forward<Job>(job));
    } catch (const piu::Error&) {
      if (python_error_) throw py::error_already_set(*python_error_);
      throw;
    }
  }

 private:
  // Item `name` ("calibration[3]") as host tensors; called by the job without the GIL.
  piu::NamedTensors load(const std::string& name) {
    py::gil_scoped_acquire acquire;
    const size_t index = std::stoul(name.substr(name.rfind('[') + 1));
    try {
      const py::object item = items_[index];
      return to_tensor(load_item_func_.is_none() ? item : load_item_func_(item), name);
    } catch (py::error_already_set& e) {
      // Python 3.11+: the exception says which item it was raised for, in a note under its traceback.
      if (py::hasattr(e.value(), "add_note"))
        e.value().attr("add_note")("raised by load_item_func for " + name + " (piu calibration)");
      if (!python_error_) python_error_.emplace(e);
      throw piu::Error(piu::ErrorCode::kBadInput, name + ": load_item_func raised " + e.what());
    }
  }

  // An ndarray (item or batch; the key "") or a dict {input name: ndarray}, copied into tensors
  // (the job checks the names against the model's inputs).
  piu::NamedTensors to_tensor(const py::object& value, const std::string& name) {
    piu::NamedTensors out;
    auto copy = [&](const py::object& array, const std::string& what) {
      const auto describe = [&what] { return what; };
      const py::array contiguous_array = contiguous(array, describe);
      return borrow_array(contiguous_array, describe).clone();  // the array may go as soon as this returns
    };
    if (!py::isinstance<py::dict>(value)) {
      out.emplace("", copy(value, name));
      return out;
    }
    const auto dict = value.cast<py::dict>();
    if (dict.size() == 0) throw piu::Error(piu::ErrorCode::kBadInput, name + ": an empty dict");
    for (const auto& [key, array] : dict) {
      const auto key_name = py::str(key).cast<std::string>();
      out.emplace(key_name, copy(py::reinterpret_borrow<py::object>(array), name + "['" + key_name + "']"));
    }
    return out;
  }

  py::object load_item_func_;  // None: the items are the arrays (or dicts) themselves
  py::list items_;
  piu::CalibrationData data_;
  std::optional<py::error_already_set> python_error_;  // the first exception load_item_func raised
};

piu::CalibrationData PythonCalibration::data(int64_t batch_size, const py::object& max_item_shape) const {
  piu::CalibrationData data = data_;
  data.batch_size = batch_size;
  if (!max_item_shape.is_none()) data.max_item_shape = to_shape(max_item_shape);
  return data;
}

piu::CalibrationOptions calibration_options(const std::optional<std::string>& method, double percentile, int threads) {
  piu::CalibrationOptions options;
  if (method) options.method = piu::parse_calibration_method(*method);
  if (percentile <= 0 || percentile > 100)
    throw piu::Error(piu::ErrorCode::kBadInput, "percentile must be in (0, 100]");
  options.percentile = percentile;
  options.threads = checked_threads(threads);
  return options;
}

// max_error: None (no target), an output SQNR in dB (30.0), or a string as the CLI's --max-error
// takes ("30db", or a relative error "0.03"; piu::parse_max_error_db).
double min_sqnr_db(const py::object& max_error) {
  if (max_error.is_none()) return 0;
  try {
    if (py::isinstance<py::str>(max_error)) return piu::parse_max_error_db(max_error.cast<std::string>());
    const double db = max_error.cast<double>();
    if (!(db > 0)) throw piu::Error(piu::ErrorCode::kBadInput, "the SQNR target must be a positive dB value");
    return db;
  } catch (const piu::Error& e) {
    throw e.with_context("max_error");
  }
}

// target: "ort" or "tensorrt" (piu::symmetric_activations_for); errors name the argument.
bool symmetric_activations(const std::string& target) {
  try {
    return piu::symmetric_activations_for(target);
  } catch (const piu::Error& e) {
    throw e.with_context("target");
  }
}

constexpr const char* kCalibrationDoc = R"(
calibration: a folder of .npy files (one item or one batch each) or images; an iterable of arrays
(each one item or a batch of items, like the folder's files); an iterable of {input name: array}
dicts (models of one input); or, with load_item_func, the list of items (the seed's
calibration_set) each passed to load_item_func(item), which returns an array. Iterables are read
into a list first. load_item_func is called from the job with the GIL held only around the call;
an exception it raises stops the job and is raised again as itself, nothing written.
batch_size: items per calibration batch (the seed's stream_batch_size); max_item_shape: the
largest item ("3x224x224" or [3, 224, 224]; smaller items are zero-padded), by default the model
input's shape without the batch dim. method: "entropy" (None), "minmax" or "percentile".)";

void bind_quant_jobs(py::module_& m) {
  // Named defaults: GCC 12 warns about temporaries' strings here (a false maybe-uninitialized).
  const piu::CalibrationData data_defaults;
  const piu::CalibrationOptions calibration_defaults;
  const piu::AccuracyTarget target_defaults;
  m.def(
      "calibrate",
      [](const std::string& model, const py::object& calibration, const py::object& load_item_func,
         const std::optional<std::string>& method, double percentile, int64_t batch_size,
         const py::object& max_item_shape, const std::optional<std::string>& cache, int threads) {
        PythonCalibration python_data(calibration, load_item_func);
        piu::CalibrateJobOptions options;
        options.input = model;
        options.data = python_data.data(batch_size, max_item_shape);
        options.calibration = calibration_options(method, percentile, threads);
        if (cache) options.cache = *cache;
        return python_data.run([&] { return piu::calibrate_job(options); });
      },
      (std::string("Calibrates the model's input on the data and writes the TensorRT calibration cache (cache None: "
                   "the model's stem + \".trt.int8calibration\" beside it). Returns the report as a dict (cache, "
                   "items, and the range of every tensor).") +
       kCalibrationDoc)
          .c_str(),
      "model"_a, py::kw_only(), "calibration"_a, "load_item_func"_a = py::none(), "method"_a = py::none(),
      "percentile"_a = calibration_defaults.percentile, "batch_size"_a = data_defaults.batch_size,
      "max_item_shape"_a = py::none(), "cache"_a = py::none(), "threads"_a = 0);

  m.def(
      "quantize",
      [](const std::string& model, const std::string& output, const py::object& calibration,
         const py::object& load_item_func, const std::optional<std::string>& from_cache,
         const std::optional<std::string>& method, double percentile, const std::string& target, bool per_channel,
         const std::vector<std::string>& exclude, const py::object& max_error, int sensitivity_runs, int64_t batch_size,
         const py::object& max_item_shape, const std::optional<std::string>& cache, int threads, bool verify,
         const py::object& shapes, const py::object& inputs, const py::object& int_ranges) {
        if (calibration.is_none() && !from_cache)
          throw piu::Error(piu::ErrorCode::kBadInput, "quantize needs calibration=... or from_cache=...");
        if (from_cache && method)
          throw piu::Error(piu::ErrorCode::kBadInput, "method calibrates; it cannot be combined with from_cache");
        const bool symmetric = symmetric_activations(target);  // checked before anything runs
        std::optional<PythonCalibration> python_data;
        piu::QuantizeJobOptions options;
        options.input = model;
        options.output = output;
        if (!calibration.is_none()) {
          python_data.emplace(calibration, load_item_func);
          options.data = python_data->data(batch_size, max_item_shape);
        }
        if (from_cache) options.from_cache = *from_cache;
        options.calibration = calibration_options(method, percentile, threads);
        if (cache) options.cache = *cache;
        options.quantize.symmetric_activations = symmetric;
        options.quantize.per_channel = per_channel;
        options.quantize.exclude_nodes = {exclude.begin(), exclude.end()};
        options.min_sqnr_db = min_sqnr_db(max_error);
        options.sensitivity_runs = sensitivity_runs;
        options.threads = threads;
        options.verify = verify;
        options.shapes = to_shape_specs(shapes);
        options.inputs = to_given_inputs(inputs);
        options.int_ranges = to_int_ranges(int_ranges);
        auto job = [&] { return piu::quantize_job(options); };
        return python_data ? python_data->run(job) : run_job(job);
      },
      (std::string("Quantizes the model to int8 (Q/DQ) with ranges calibrated on `calibration` or read from the "
                   "TensorRT cache `from_cache` (then calibration, when given, only feeds the accuracy check). "
                   "target \"ort\": uint8 activations with zero points; \"tensorrt\": symmetric int8. max_error "
                   "(an output SQNR in dB, 30.0 or \"30db\") keeps the most sensitive layers float until met "
                   "(sensitivity_runs bounds the search); unless verify=False the written model's output SQNR "
                   "against the input is measured (report's sqnr_db). cache: also write the ranges as a TensorRT "
                   "cache. A missed target raises VerificationError and nothing is written. Without calibration "
                   "(from_cache only) the SQNR is measured on `inputs` ({name: ndarray or file}, or .npy/.npz "
                   "paths) or on random inputs of `shapes` and `int_ranges` ({name: (lo, hi)}). Returns the report "
                   "as a dict.") +
       kCalibrationDoc)
          .c_str(),
      "model"_a, "output"_a, py::kw_only(), "calibration"_a = py::none(), "load_item_func"_a = py::none(),
      "from_cache"_a = py::none(), "method"_a = py::none(), "percentile"_a = calibration_defaults.percentile,
      "target"_a = "ort", "per_channel"_a = true, "exclude"_a = std::vector<std::string>{}, "max_error"_a = py::none(),
      "sensitivity_runs"_a = target_defaults.sensitivity_runs, "batch_size"_a = data_defaults.batch_size,
      "max_item_shape"_a = py::none(), "cache"_a = py::none(), "threads"_a = 0, "verify"_a = true,
      "shapes"_a = py::none(), "inputs"_a = py::none(), "int_ranges"_a = py::none());
}

// ---------------------------------------------------------------------------------------------
// deploy: keyword arguments -> DeployOptions (the CLI's deploy_options_from, for Python)
// ---------------------------------------------------------------------------------------------

// `progress` as DeployOptions::progress: deploy calls it on its own thread without the GIL, so the
// GIL is taken only around the Python call. An exception it raises stops deploy (nothing written).
// Captures `progress` by address (copies of the function made without the GIL touch no refcount):
// it must outlive the job.
std::function<void(std::string_view)> python_progress(const py::object& progress) {
  if (progress.is_none()) return nullptr;
  const py::object* callable = &progress;
  return [callable](std::string_view line) {
    py::gil_scoped_acquire acquire;
    (*callable)(py::str(line.data(), line.size()));
  };
}

constexpr const char* kDeployDoc = R"(Deploys a model in one call, as `piu deploy` does: exports a TorchScript input
(an ONNX input is loaded), rounds weights, optimizes, simplifies, then int8 (Q/DQ calibrated on
`calibration`) or fp16, verifies the result against the input on ONNX Runtime and benchmarks both;
writes output_dir/model.onnx, report.md and latency.png (with bench). Each stage can be switched off
(round_weights, optimize, simplify, verify, bench). shapes: the input shapes for export,
verification and the benchmark ("input:-1x3x224x224", [1, 3, 224, 224] or {name: dims});
input_shapes: dims the simplifier fixes. int8: max_error (an output SQNR in dB, 30.0 or "30db")
keeps the most sensitive layers float until met (else the SQNR must reach 20 dB); target "ort" or
"tensorrt" (symmetric int8). progress: callable(line) given one line per step, called with the GIL
taken only around the call. The GIL is released while deploy runs. A failing stage (a
VerificationError, a load_item_func exception raised again as itself, ...) leaves nothing behind:
a folder deploy created is removed. Returns the report (what `piu deploy --json` prints) as a dict.
)";

void bind_deploy(py::module_& m) {
  // Named defaults: GCC 12 warns about temporaries' strings here (a false maybe-uninitialized).
  const piu::DeployOptions defaults;
  const piu::CalibrationOptions calibration_defaults;
  m.def(
      "deploy",
      [](const std::string& model, const std::string& output_dir, const py::object& shapes,
         const py::object& input_shapes, int opset, bool round_weights, bool optimize, bool simplify, bool int8,
         bool fp16, const py::object& calibration, const py::object& load_item_func, const py::object& max_error,
         const std::string& target, const std::optional<std::string>& method, double percentile, int64_t batch_size,
         const py::object& max_item_shape, bool verify, bool bench, const std::vector<int64_t>& bench_batches,
         int bench_rounds, double bench_duration_s, int threads, const std::string& backend,
         const py::object& progress, const py::object& inputs, const py::object& int_ranges) {
        if (int8 && fp16) throw piu::Error(piu::ErrorCode::kBadInput, "int8 and fp16 exclude each other");
        if (int8 == calibration.is_none())
          throw piu::Error(piu::ErrorCode::kBadInput,
                           int8 ? "int8=True needs calibration=..." : "calibration only applies with int8=True");
        const bool symmetric = symmetric_activations(target);  // checked before anything runs
        if (bench_rounds < 1 || bench_duration_s <= 0)
          throw piu::Error(piu::ErrorCode::kBadInput, "bench_rounds must be >= 1 and bench_duration_s > 0");
        piu::DeployOptions options;
        options.output_dir = output_dir;
        options.export_options.input_shapes = to_shape_specs(shapes);
        options.export_options.opset = opset;
        options.round_weights = round_weights;
        options.optimize = optimize;
        options.simplify = simplify;
        options.simplify_options.input_shapes = to_shape_specs(input_shapes);
        options.verify = verify;
        options.verify_options.inputs = to_given_inputs(inputs);
        options.verify_options.int_ranges = to_int_ranges(int_ranges);
        options.bench = bench;
        options.bench_batches = bench_batches;
        options.bench_rounds = bench_rounds;
        options.bench_options.duration_s = bench_duration_s;
        options.session = session_options(backend, threads);
        options.fp16 = fp16;
        options.int8 = int8;
        options.progress = python_progress(progress);
        std::optional<PythonCalibration> python_data;
        if (int8) {
          python_data.emplace(calibration, load_item_func);
          options.calibration_data = python_data->data(batch_size, max_item_shape);
          options.calibration = calibration_options(method, percentile, threads);
          options.quantize.symmetric_activations = symmetric;
          if (!max_error.is_none()) {
            options.min_sqnr_db = min_sqnr_db(max_error);
            options.fallback = true;
          }
        }
        auto job = [&] { return piu::deploy(model, options); };
        return python_data ? python_data->run(job) : run_job(job);
      },
      (std::string(kDeployDoc) + kCalibrationDoc).c_str(), "model"_a, "output_dir"_a, py::kw_only(),
      "shapes"_a = py::none(), "input_shapes"_a = py::none(), "opset"_a = defaults.export_options.opset,
      "round_weights"_a = defaults.round_weights, "optimize"_a = defaults.optimize, "simplify"_a = defaults.simplify,
      "int8"_a = defaults.int8, "fp16"_a = defaults.fp16, "calibration"_a = py::none(), "load_item_func"_a = py::none(),
      "max_error"_a = py::none(), "target"_a = "ort", "method"_a = py::none(),
      "percentile"_a = calibration_defaults.percentile, "batch_size"_a = defaults.calibration_data.batch_size,
      "max_item_shape"_a = py::none(), "verify"_a = defaults.verify, "bench"_a = defaults.bench,
      "bench_batches"_a = defaults.bench_batches, "bench_rounds"_a = defaults.bench_rounds,
      "bench_duration_s"_a = defaults.bench_options.duration_s, "threads"_a = 0, "backend"_a = "auto",
      "progress"_a = py::none(), "inputs"_a = py::none(), "int_ranges"_a = py::none());
}

void bind_versions(py::module_& m) {
  m.attr("__version__") = piu::version();
  m.def(
      "versions",
      [] {
        py::dict versions;
        versions["piu"] = piu::version();
        for (const auto& component : piu::component_versions()) versions[py::str(component.name)] = component.version;
        return versions;
      },
      "piu's version and those of the components it runs with ({\"piu\": ..., \"ONNX Runtime\": ..., \"ONNX\": ..., "
      "\"protobuf\": ..., \"TensorRT\": ..., \"LibTorch\": ...}; \"not built\" for a component left out, \"not found\" "
      "for TensorRT without libnvinfer). Loads the torch plugin and libnvinfer when they are there.");
}

// The seed's {input: [min, opt, max]} shapes.
std::map<std::string, std::array<piu::Shape, 3>> to_profiles(const py::handle& opt_shape_dict) {
  std::map<std::string, std::array<piu::Shape, 3>> profiles;
  if (opt_shape_dict.is_none()) return profiles;
  for (const auto& [name, shapes] : opt_shape_dict.cast<std::map<std::string, std::vector<piu::Shape>>>()) {
    if (shapes.size() != 3)
      throw piu::Error(
          piu::ErrorCode::kBadInput,
          "opt_shape_dict['" + name + "'] has " + std::to_string(shapes.size()) + " shapes; expected [min, opt, max]");
    profiles[name] = {shapes[0], shapes[1], shapes[2]};
  }
  return profiles;
}

void bind_tensorrt(py::module_& m) {
  m.def(
      "check_tensorrt_health", [] { return report_dict(piu::check_tensorrt_health()); },
      R"(What the tensorrt backend needs and what this machine has of it, as a dict: ok, version
(TensorRT's, "" when no libnvinfer loads), libnvinfer (the soname required), found_libnvinfer,
onnx_parser, plugins, onnxruntime_library, provider_library (ONNX Runtime's TensorRT provider, ""
when absent), cuda, cuda_version, missing (one line per missing piece: what is missing and what to
install) and message (the tensorrt backend's one-line error, "" when ok). Never raises.)");
  m.def(
      "tensorrt_provider_options",
      [](const std::string& model, bool fp16_mode, bool int8_mode, const std::optional<std::string>& cache_file,
         const std::optional<std::string>& engine_path, const py::object& opt_shape_dict, int64_t max_batch_size,
         int64_t max_workspace_size) {
        piu::TensorRtBuildOptions build;
        build.fp16_mode = fp16_mode;
        build.int8_mode = int8_mode;
        build.calibration_cache = cache_file.value_or("");
        build.engine_path = engine_path.value_or("");
        build.opt_shapes = to_profiles(opt_shape_dict);
        build.max_batch_size = max_batch_size;
        build.max_workspace_size = max_workspace_size;
        py::gil_scoped_release release;
        return piu::tensorrt_provider_options(build, model);
      },
      R"(The seed's TRTEngineBuilder parameters as ONNX Runtime TensorRT provider options, for
piu.Session(model, backend="tensorrt", device="cuda:N", provider_options=...): fp16_mode ->
trt_fp16_enable; int8_mode -> trt_int8_enable, with cache_file (a TensorRT calibration cache, as
piu.calibrate writes) -> trt_int8_calibration_table_name + trt_int8_use_native_calibration_table;
engine_path -> trt_engine_cache_enable, trt_engine_cache_path and trt_timing_cache_path (its folder),
trt_timing_cache_enable;
opt_shape_dict {input: [min, opt, max]} -> trt_profile_min_shapes/opt/max ("name:1x3x224x224,...");
max_batch_size (without opt_shape_dict) -> profiles from batch 1 to it; max_workspace_size (bytes)
-> trt_max_workspace_size. Shapes are checked against the model's inputs (BadInputError).)",
      "model"_a, py::kw_only(), "fp16_mode"_a = false, "int8_mode"_a = false, "cache_file"_a = py::none(),
      "engine_path"_a = py::none(), "opt_shape_dict"_a = py::none(), "max_batch_size"_a = 0,
      "max_workspace_size"_a = 0);
}

}  // namespace

PYBIND11_MODULE(_piu, m) {
  m.doc() = "piu's C++ library: Session and one function per job (see the piu package).";
  register_errors(m);
  bind_session(m);
  bind_write_jobs(m);
  bind_export(m);
  bind_session_jobs(m);
  bind_quant_jobs(m);
  bind_deploy(m);
  bind_versions(m);
  bind_tensorrt(m);
}
