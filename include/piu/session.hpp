// piu Session: one interface over inference backends (ONNX Runtime, LibTorch; each registers
// itself with the file kinds it opens).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "piu/core.hpp"

namespace piu {
class OnnxModel;
}

namespace piu {

// A model input or output as a backend describes it.
struct TensorInfo {
  std::string name;
  DType dtype = DType::kFloat32;
  Shape shape;                         // -1 for dynamic dims; empty for scalars
  std::vector<std::string> dim_names;  // symbolic names of dynamic dims ("batch"), "" when none
  // False when the model does not declare the rank (TorchScript): `shape` is then empty, any shape
  // and type are accepted (`dtype` is only a guess), and random inputs need the shape from --shape.
  bool rank_known = true;
};

// A model file's bytes held in memory (a TorchScript module that Python saved into a buffer), and
// the name messages call it by. Nothing is read from disk for it.
struct ModelBytes {
  std::string name;
  std::shared_ptr<const std::string> bytes;
};
// True when `bytes` start a zip archive (what torch.jit.save writes).
bool is_zip_archive(std::string_view bytes);

enum class GraphOptimization { kDisabled, kBasic, kExtended, kAll };

struct SessionOptions {
  // "auto" picks the backend from the file's kind (".onnx" -> ort, ".pt" -> torch, ".pt2" ->
  // aoti); or a name from backend_names().
  std::string backend = "auto";
  Device device;  // where the backend runs; CPU by default (parse_device: "cpu", "cuda:N")
  // 0 lets the runtime choose, as in the seed's ONNXWrapper.
  int intra_op_num_threads = 0;
  int inter_op_num_threads = 0;
  GraphOptimization graph_optimization = GraphOptimization::kAll;
  // Options of the backend on a GPU device (refused on the CPU). ort: its CUDA provider's, by ONNX
  // Runtime's names (cudnn_conv_algo_search, arena_extend_strategy, gpu_mem_limit,
  // enable_cuda_graph, prefer_nhwc, ...; device_id comes from `device`). torch: dtype
  // (float32|float16|bfloat16), channels_last, cuda_graph, tf32, cudnn_benchmark (0|1). aoti:
  // cuda_graph, tf32, cudnn_benchmark. Unknown keys are kBadInput.
  std::map<std::string, std::string> provider_options;
};

// A loaded model ready to run. run() may be called from several threads at once.
class Session {
 public:
  virtual ~Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Opens `path` with the backend named in options (or the best one registered for the file).
  // Throws kBadInput for unknown backends (listing the known ones) and for files no backend opens.
  static std::unique_ptr<Session> open(const std::string& path, const SessionOptions& options = {});
  // Opens an in-memory ONNX model (e.g. before and after a graph rewrite, without writing files)
  // with the first backend that takes in-memory models (ort unless options name another).
  static std::unique_ptr<Session> open(const OnnxModel& model, const SessionOptions& options = {});
  // Opens a model file's bytes held in memory with the backend named in options ("auto": torch
  // for a zip archive). Throws kBadInput when that backend takes no in-memory files.
  static std::unique_ptr<Session> open(const ModelBytes& model, const SessionOptions& options = {});

  const std::vector<TensorInfo>& inputs() const { return inputs_; }
  const std::vector<TensorInfo>& outputs() const { return outputs_; }
  // Index of an input by name, or throws kBadInput listing the model's inputs.
  size_t input_index(const std::string& name) const;
  // Name of the backend ("ort").
  virtual std::string backend() const = 0;
  const std::string& path() const { return path_; }

  // Where the model runs (options.device).
  const Device& device() const { return device_; }

  // Runs with inputs in the model's order. Each tensor is checked against inputs(): count, dtype,
  // rank and every static dim; a mismatch throws kBadInput naming the input, expected vs given.
  // Inputs may live in host memory or on the session's device (device-resident inputs are not
  // copied through the host); outputs are returned in `outputs_on`'s memory (the host, or the
  // session's device: then they stay there, for the next model or for timing without copies).
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, Device outputs_on = {}) const;
  // Runs with inputs by name; unknown or missing names throw kBadInput.
  std::vector<Tensor> run_named(const std::map<std::string, Tensor>& inputs, Device outputs_on = {}) const;

 protected:
  Session() = default;
  // Called with inputs already validated and in model order, each on the host or on device().
  // `outputs_on` is where the caller wants the outputs; a backend may return them elsewhere (run()
  // then moves them). Must be thread-safe.
  virtual std::vector<Tensor> run_validated(const std::vector<Tensor>& inputs, Device outputs_on) const = 0;

  std::string path_;
  Device device_;
  std::vector<TensorInfo> inputs_;
  std::vector<TensorInfo> outputs_;
};

// Opens a model piu itself built (a staged result file, or one in memory). The input it came from
// opened fine, so a runtime refusing this one is piu's bug: kBadInput becomes kInternal, naming
// the model; other errors (kUnsupported: an op the runtime lacks at the new type) pass unchanged.
std::unique_ptr<Session> open_built_model(const std::string& path, const SessionOptions& options);
std::unique_ptr<Session> open_built_model(const OnnxModel& model, const SessionOptions& options);

// ---------------------------------------------------------------------------------------------
// Backend registry: a backend is a folder under src/backends that registers one factory.
// ---------------------------------------------------------------------------------------------

struct BackendFactory {
  std::string name;  // "ort"
  // The file kinds it opens, as file name endings with the dot ({".onnx"}). Session::open with
  // backend "auto" picks the backend that declares a path's kind.
  std::vector<std::string> file_kinds;
  std::function<std::unique_ptr<Session>(const std::string& path, const SessionOptions& options)> create;
  // Optional: opens an in-memory ONNX model.
  std::function<std::unique_ptr<Session>(const OnnxModel& model, const SessionOptions& options)> create_from_model;
  // Optional: opens a model file's bytes held in memory (torch: a TorchScript archive).
  std::function<std::unique_ptr<Session>(const ModelBytes& model, const SessionOptions& options)> create_from_bytes;
  // Optional: recognizes a file of an undeclared kind by its content (torch: a zip archive).
  std::function<bool(const std::string& path)> recognizes;
  // Optional: false when it cannot run with these options (ort: CPU only for now).
  std::function<bool(const SessionOptions& options)> supports;
  // True when it also tries files of a kind no backend declares or recognizes (ort: its loader
  // then says what the file is).
  bool opens_unclaimed_files = false;
  // True when "auto" never picks it: it opens only when asked for by name (tensorrt, which takes
  // the same files as ort and builds an engine for minutes first).
  bool chosen_by_name_only = false;
};

// Adds a backend; returns true so it can initialize a static registrar. Duplicate names throw.
bool register_backend(BackendFactory factory);
// Names of registered backends, sorted.
std::vector<std::string> registered_backends();
// Every backend this build can open models with: the registered ones and those the plugins not
// loaded yet register, sorted, without duplicates (for help texts: "--backend auto, aoti, ort, torch").
std::vector<std::string> backend_names();

// Backends that bring in a heavy runtime (LibTorch; later TensorRT) are plugins: shared libraries
// libpiu_<name>.so beside libpiu.so that register themselves when loaded, so commands that never
// touch them never pay for loading them. A plugin may register more backends than the one it is
// named after (the torch plugin also registers aoti). Session::open loads one when a backend it
// registers is asked for or when no registered backend declares or recognizes a file's kind.
// `backend` names a plugin or a backend a plugin registers. Returns false when no plugin of this
// build registers it (piu was built without it); throws kBackend naming the library when it exists
// but fails to load.
bool load_plugin(const std::string& backend);
// The plugins this build ships, e.g. {"torch"}.
std::vector<std::string> available_plugins();
// The backends plugins register besides their namesakes, as (backend, plugin) pairs: {"aoti", "torch"}.
std::vector<std::pair<std::string, std::string>> plugin_backends();

// The file name endings TorchScript is saved under: .pt, .pth, .ts, .torchscript, .jit (the torch
// backend declares them; the exporter reads such files).
const std::vector<std::string>& torchscript_file_kinds();
// True when `path` ends with one of torchscript_file_kinds().
bool is_torchscript_path(const std::string& path);

// How random inputs are made.
struct RandomInputOptions {
  std::vector<ShapeSpec> shapes;  // sizes of dynamic dims (by input name, or the first input unnamed)
  int64_t batch = 1;              // a dynamic first dim, and every dim of the same symbolic name
  uint64_t seed = 0;
  // Integer inputs are drawn from the range of their name; others from [0, 2) (masks, flags,
  // small ids). Bool inputs are true or false, floats uniform in [-1, 1).
  std::vector<IntRange> int_ranges;
  // Sizes of symbolic dims already fixed (by inputs given as tensors), by dim name.
  std::map<std::string, int64_t> dims;
};

// Inputs for a session: random values of each input's dtype and shape. Dynamic dims come from
// `shapes` (by input name, or the first input when the name is empty; a spec's dtype types an
// input whose model declares none); a dynamic first dim otherwise takes `batch`; a symbolic dim
// takes the size its name has elsewhere (the batch's name, a dim another input's shape fixed, or
// options.dims), wherever it sits; any other unresolved dynamic dim throws kBadInput naming it.
// Throws kBadInput when a shape or a range names no input.
std::vector<Tensor> make_random_inputs(const std::vector<TensorInfo>& inputs, const RandomInputOptions& options);
// make_random_inputs with these shapes, batch and seed.
std::vector<Tensor> make_random_inputs(const std::vector<TensorInfo>& inputs, const std::vector<ShapeSpec>& shapes,
                                       int64_t batch = 1, uint64_t seed = 0);
// Resolves one input's shape as make_random_inputs does (without the other inputs' dim names).
Shape resolve_input_shape(const TensorInfo& info, const std::vector<ShapeSpec>& shapes, int64_t batch);

// An input given as a tensor instead of a random one: the input's name ("" for the first input),
// the tensor, and where it came from for messages ("ids.npy", "inputs.npz:ids").
struct GivenInput {
  std::string name;
  Tensor tensor;
  std::string source;
};
// Reads inputs as users name them: "NAME=FILE.npy", "FILE.npy" (the first input) and "FILE.npz"
// (every array, by its name in the archive). Throws kBadInput (kIo for unreadable files) naming
// the file, and when one input is given twice.
std::vector<GivenInput> read_given_inputs(const std::vector<std::string>& specs);
// Checks `given.tensor` against the input `info` (dtype; rank and static dims where the model
// declares them). Throws kBadInput "SOURCE: input 'x' is int32 2x3, the model takes int64 [batch, 3]".
void check_given_input(const TensorInfo& info, const GivenInput& given);

// ---------------------------------------------------------------------------------------------
// Benchmarking
// ---------------------------------------------------------------------------------------------

// Where a run's inputs and outputs live: host memory (each run copies them to and from the device,
// as an application that gets host data does) or the session's device (no copies in the run).
enum class IoPlacement { kHost, kDevice };

struct BenchOptions {
  IoPlacement io = IoPlacement::kHost;
  int warmup = 10;          // untimed runs first
  int iterations = 0;       // > 0: exactly this many timed runs
  double duration_s = 3.0;  // otherwise: run for this long (at least min_iterations)
  int min_iterations = 10;
};

struct BenchResult {
  int64_t batch = 0;  // first dim of the first input
  int iterations = 0;
  double total_s = 0;
  double mean_ms = 0, min_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  double items_per_s = 0;  // batch * iterations / total time
  IoPlacement io = IoPlacement::kHost;
  // "wall-clock" (host steady clock around each run) or "cuda-events" (events recorded on the
  // device's default stream before and after each run: a GPU session's runs end synchronized).
  std::string timing = "wall-clock";
};

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

struct VerifyOptions {
  std::vector<ShapeSpec> shapes;       // sizes of dynamic dims other than the first
  std::vector<int64_t> batches = {1};  // values of a dynamic first dim to try
  uint64_t seed = 0;
  // A float output passes when max |candidate - reference| <= rel_tol * max|reference| + abs_tol;
  // integer and bool outputs must be equal.
  double rel_tol = 1e-4;
  double abs_tol = 1e-6;
  // Types of the reference's inputs by position, for references that declare none (TorchScript:
  // an exported model's token ids are int64); empty: the reference's own.
  std::vector<DType> input_dtypes;
  // Inputs given as tensors, by the reference's input names ("" for the first): verification then
  // runs once, on these, at their shapes (`batches` is not used); inputs not given are random, their
  // symbolic dims sized as the given tensors' dims of the same name.
  std::vector<GivenInput> inputs;
  // Ranges of random integer inputs by name (the user's first, then the model's own, e.g.
  // index_input_ranges); other integer inputs are drawn from [0, 2).
  std::vector<IntRange> int_ranges;
};

struct OutputCheck {
  std::string output;
  int64_t batch = 0;
  Shape shape;
  double max_abs = 0;
  double scale = 0;  // max |reference|
  bool ok = true;
};

struct VerifyReport {
  bool ok = true;
  std::vector<OutputCheck> checks;
  std::string failure;  // the first output that differs and the input shapes that exposed it
};

// The inputs a run on options.inputs (given as tensors) feeds, in the order of `inputs`: each given
// tensor checked against its input (check_given_input), the rest random (seed, shapes and integer
// ranges of `options`), a dynamic first dim as the given tensors' and every symbolic dim sized as
// a given tensor's dim of the same name. `batch`, when set, receives that first dim. Throws
// kBadInput naming the file for an input the model lacks or one given twice.
std::vector<Tensor> inputs_with_given(const std::vector<TensorInfo>& inputs, const VerifyOptions& options,
                                      int64_t* batch = nullptr);

// Runs both sessions on the same random inputs for each batch size and compares every output.
VerifyReport verify_sessions(const Session& reference, const Session& candidate, const VerifyOptions& options = {});
// The same check holding one model's weights at a time: the reference runs at every batch size and
// keeps only its outputs, and is closed before `open_candidate` is called. For models too large
// to hold twice.
VerifyReport verify_one_at_a_time(const std::function<std::unique_ptr<Session>()>& open_reference,
                                  const std::function<std::unique_ptr<Session>()>& open_candidate,
                                  const VerifyOptions& options = {});

// Throws kBadInput unless `io` can apply to `session`: device I/O needs a GPU session.
void check_io_placement(const Session& session, IoPlacement io);

// Times session.run(inputs). Latency percentiles use the nearest-rank method. With IoPlacement::kDevice
// the inputs are copied to the session's device once and the outputs stay there; it needs a GPU
// session (kBadInput otherwise).
BenchResult benchmark(const Session& session, const std::vector<Tensor>& inputs, const BenchOptions& options = {});

}  // namespace piu
