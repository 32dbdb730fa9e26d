// piu core: errors, dtypes, shapes, tensors, .npy I/O and atomic file writing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace piu {

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

// What went wrong, coarse enough for the CLI to map to an exit status.
enum class ErrorCode {
  kBadInput,     // the user's file, tensor or option is wrong (exit 2)
  kUnsupported,  // valid input that piu cannot handle (exit 2)
  kIo,           // a file cannot be read or written (exit 2)
  kBackend,      // a runtime (ONNX Runtime, TensorRT, LibTorch) failed (exit 3)
  kInternal,     // a bug in piu (exit 3)
  kVerificationFailed,  // a transformed model computes different outputs than its input (exit 1)
};

// Name of an error code, e.g. "bad input".
std::string_view error_code_name(ErrorCode code);

// The one exception type of the public API. The message names the file, node or tensor and the problem.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }
  // Returns a copy whose message is prefixed with `context` ("while loading x.onnx: ...").
  Error with_context(const std::string& context) const { return Error(code_, context + ": " + what()); }

 private:
  ErrorCode code_;
};

// ---------------------------------------------------------------------------------------------
// DType and Shape
// ---------------------------------------------------------------------------------------------

enum class DType {
  kFloat32,
  kFloat16,
  kBFloat16,
  kFloat64,
  kInt8,
  kUInt8,
  kInt16,
  kUInt16,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,
  kBool,
};

// Bytes per element (bool is one byte).
size_t dtype_size(DType dtype);
// Short lowercase name: "float32", "int64", "bool", ...
std::string_view dtype_name(DType dtype);
// Inverse of dtype_name; also accepts "fp32"/"float"/"half"/"fp16". Throws kBadInput on unknown names.
DType parse_dtype(std::string_view name);
bool is_floating(DType dtype);

// Dims of a tensor; -1 marks a dynamic dim.
using Shape = std::vector<int64_t>;
constexpr int64_t kDynamicDim = -1;

// "1x3x224x224" ("-1" for dynamic dims, "[]" or "scalar" for rank 0).
std::string shape_to_string(const Shape& shape);
// True when no dim is dynamic.
bool is_static(const Shape& shape);
// Product of dims; throws kBadInput when a dim is dynamic/negative or the product overflows int64.
int64_t shape_numel(const Shape& shape);

// A shape spec as users type it: "-1x3x224x224", "1,3,224,224", "[1, 3, 224, 224]", "input:1x3x224x224",
// and optionally the input's dtype after a last ':' ("input_ids:-1x128:int64"). '?' is accepted as a
// dynamic dim. An empty name means "the first (or only) input". A dim may be a name instead
// ("ids:[batch, seq]:int64", "mask:batch,seq"): a dynamic dim that equally named dims of other inputs
// share; dims holding names are separated by ',' (a name may contain 'x').
struct ShapeSpec {
  std::string name;
  Shape shape;
  std::optional<DType> dtype = std::nullopt;  // stated by the user; unset: the model's own
  std::vector<std::string> dim_names = {};    // per dim, "" where unnamed; empty when no dim is named
};

// Parses one spec ("[NAME:]DIMS[:DTYPE]"). Throws kBadInput naming the offending text.
ShapeSpec parse_shape_spec(std::string_view text);
// Parses only dims (no name), same grammar as parse_shape_spec's right-hand side.
Shape parse_shape(std::string_view text);
// Parses several specs separated by ';' or whitespace (each may carry a name).
std::vector<ShapeSpec> parse_shape_specs(std::string_view text);

// The values random integer inputs are drawn from: low <= v < high. As users type it,
// "NAME:LO:HI" (--int-range input_ids:0:30522).
struct IntRange {
  std::string name;
  int64_t low = 0;
  int64_t high = 2;
};
// Parses "NAME:LO:HI" (the name may contain ':'). Throws kBadInput naming the text unless LO < HI.
IntRange parse_int_range(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Tensor
// ---------------------------------------------------------------------------------------------

enum class DeviceKind { kCpu, kCuda };
struct Device {
  DeviceKind kind = DeviceKind::kCpu;
  int index = 0;
  bool operator==(const Device&) const = default;
};
// "cpu", "cuda" (device 0) or "cuda:N"; throws kBadInput naming the text otherwise.
Device parse_device(std::string_view text);
// "cpu" or "cuda:N".
std::string device_name(const Device& device);

// A dense, row-major tensor on a device. Copies are shallow (they share the buffer, like a
// shared_ptr); use clone() for a deep copy. A tensor either owns its buffer (allocated by piu or
// handed over with a deleter) or borrows memory that the caller keeps alive.
class Tensor {
 public:
  Tensor() = default;

  // A zero-filled, owning host tensor. The shape must be static.
  static Tensor zeros(DType dtype, Shape shape);
  // An owning tensor in `device`'s memory: zero-filled on the host, uninitialized on a GPU
  // (allocated through the CUDA runtime; kUnsupported when there is none).
  static Tensor empty(DType dtype, Shape shape, Device device);
  // A host tensor over `data`, which the caller keeps alive and unchanged while the tensor lives.
  static Tensor borrow(void* data, DType dtype, Shape shape, Device device = {});
  // A tensor over `data` whose lifetime is held by `owner` (e.g. a runtime's output value).
  static Tensor adopt(std::shared_ptr<void> owner, void* data, DType dtype, Shape shape, Device device = {});
  // An owning host tensor holding a copy of `values`.
  template <typename T>
  static Tensor from_vector(const std::vector<T>& values, Shape shape);

  bool defined() const { return defined_; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(size_t i) const { return shape_.at(i); }
  size_t rank() const { return shape_.size(); }
  Device device() const { return device_; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }
  bool owns_buffer() const { return owner_ != nullptr; }

  void* data() { return data_; }
  const void* data() const { return data_; }
  // Typed access; throws kBadInput when T does not match dtype().
  template <typename T>
  T* data_as();
  template <typename T>
  const T* data_as() const;

  // A deep, owning copy on the same device.
  Tensor clone() const;
  // An owning copy in `device`'s memory (host <-> GPU, GPU <-> GPU); done when it returns.
  Tensor to(Device device) const;
  // A view with a new shape of the same numel, sharing the buffer.
  Tensor reshaped(Shape shape) const;
  // Rows [begin, end) along dim 0, sharing the buffer.
  Tensor slice_rows(int64_t begin, int64_t end) const;

 private:
  std::shared_ptr<void> owner_;
  void* data_ = nullptr;
  DType dtype_ = DType::kFloat32;
  Shape shape_;
  int64_t numel_ = 0;
  Device device_;
  bool defined_ = false;
};

// Maps a C++ type to its DType (float, double, int8_t, ..., bool; uint16_t means float16 storage is not inferred).
template <typename T>
constexpr DType dtype_of();

// Concatenates host tensors of equal dtype and trailing dims along dim 0.
Tensor concat_rows(const std::vector<Tensor>& parts);

// Element-wise comparison of two tensors, numpy.allclose style: an element passes when
// |actual - expected| <= atol + rtol * |expected| (NaN matches NaN).
struct TensorDiff {
  bool shape_match = true;
  bool dtype_match = true;
  int64_t numel = 0;
  int64_t mismatches = 0;     // elements outside tolerance
  double max_abs = 0;         // max |actual - expected|
  double max_rel = 0;         // max |actual - expected| / |expected| over elements with expected != 0
  double expected_scale = 0;  // max |expected|, to judge max_abs against the output's magnitude
  // Signal-to-quantization-noise ratio of actual against expected, in dB: 10 log10(sum e^2 /
  // sum (a - e)^2); +inf when they are equal. How reduced precision (float16) is judged.
  double sqnr_db = 0;
  bool ok() const { return shape_match && dtype_match && mismatches == 0; }
};
// Floating-point tensors of different precisions (float16 against float32) compare by value.
TensorDiff compare_tensors(const Tensor& actual, const Tensor& expected, double atol, double rtol);

// IEEE half <-> float conversion (round to nearest even).
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);
// bfloat16 <-> float conversion: widening is exact; narrowing rounds to nearest even.
float bf16_to_float(uint16_t b);
uint16_t float_to_bf16(float f);
// Element i of a host tensor converted to double (any dtype).
double element_as_double(const Tensor& tensor, int64_t i);
// A float32 copy of a host tensor of any dtype; the tensor itself when it is float32 already.
Tensor to_float32(const Tensor& tensor);
// A host tensor of any dtype converted to the floating-point type `to` (float32, float16, bfloat16,
// float64; rounding to nearest even); the tensor itself when it has that type. kUnsupported for
// other targets.
Tensor to_float_type(const Tensor& tensor, DType to);

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

// Reads a NumPy .npy file (format 1.0/2.0/3.0, little-endian, C order) of a supported dtype.
// Throws kBadInput naming the file on bad magic, bad header, unsupported dtype, Fortran order,
// overflowing shapes or a data section shorter than the header promises.
Tensor read_npy(const std::string& path);
// Reads a NumPy .npz file (numpy.savez or savez_compressed: a zip of .npy files) as (name, array)
// pairs in the archive's order, each name without its ".npy". Throws kBadInput naming the file and
// the entry for anything read_npy refuses, a malformed archive or a failed CRC; kUnsupported for
// zip methods other than stored and deflate.
std::vector<std::pair<std::string, Tensor>> read_npz(const std::string& path);
// Writes a host tensor as .npy (format 1.0), atomically.
void write_npy(const std::string& path, const Tensor& tensor);

// A path to remove if SIGINT, SIGTERM or SIGHUP ends the process while this object lives (once
// install_signal_cleanup() has run): a staged temp file, or a folder a command created (removed
// when empty, after the registered files). Destroying or releasing it removes nothing; it only
// stops the path from being removed. At most 256 paths are held at a time; beyond that (or for a
// path of 4096 bytes or more) nothing is registered.
class RemoveOnSignal {
 public:
  enum class Kind { kFile, kFolder };
  RemoveOnSignal() = default;
  RemoveOnSignal(const std::string& path, Kind kind);
  ~RemoveOnSignal();
  RemoveOnSignal(RemoveOnSignal&& other) noexcept;
  RemoveOnSignal& operator=(RemoveOnSignal&& other) noexcept;
  RemoveOnSignal(const RemoveOnSignal&) = delete;
  RemoveOnSignal& operator=(const RemoveOnSignal&) = delete;
  // Stops the path from being removed (it was committed, or removed by the caller).
  void release();

 private:
  int slot_ = -1;
};

// Installs the process's handler for SIGINT, SIGTERM and SIGHUP (not for signals already
// ignored, as under nohup): it removes every path registered with RemoveOnSignal, then re-raises
// the signal with its default action, so the process ends as killed by it. The piu CLI calls it
// first thing; a library user (Python) keeps its own handlers unless it calls this.
void install_signal_cleanup();

// Writes a file atomically: the content goes to a temp file in the target's folder, which is
// renamed over `path` only when commit() succeeds. If the writer is destroyed without commit()
// (an exception, an early return) the temp file is removed and `path` is untouched; so it is when
// SIGINT/SIGTERM/SIGHUP end the process (install_signal_cleanup). After kill -9 `path` is still
// untouched and at most the temp file ".NAME.tmp.XXXXXX" is left beside it. Refuses
// (kIo) a target that exists and is not a regular file: renaming over /dev/null or a FIFO would
// replace it.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream();
  const std::string& temp_path() const { return temp_path_; }
  const std::string& path() const { return path_; }
  // Flushes what was written so far to the temp file (readable at temp_path()). Throws kIo on failure.
  void flush();
  // Flushes, fsyncs and renames the temp file over the target. Throws kIo on failure.
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  std::unique_ptr<std::ostream> stream_;
  bool committed_ = false;
  RemoveOnSignal temp_guard_;  // the temp file goes if a signal ends the process before commit()
};

// Throws what AtomicFile(path) would (kIo naming the path): its folder missing, the target a folder
// or not a regular file, no temp file creatable beside it. Leaves nothing behind. Commands call it
// before their work, so that a bad output path fails at once and nothing is written.
void check_writable(const std::string& path);

// Convenience: writes `content` (or whatever `writer` emits) to `path` atomically.
void write_file_atomic(const std::string& path, std::string_view content);
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& writer);
// Reads a whole file; throws kIo naming the path when it cannot be opened.
std::string read_file(const std::string& path);

// ---------------------------------------------------------------------------------------------
// Template definitions
// ---------------------------------------------------------------------------------------------

template <typename T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>)
    return DType::kFloat32;
  else if constexpr (std::is_same_v<T, double>)
    return DType::kFloat64;
  else if constexpr (std::is_same_v<T, int8_t>)
    return DType::kInt8;
  else if constexpr (std::is_same_v<T, uint8_t>)
    return DType::kUInt8;
  else if constexpr (std::is_same_v<T, int16_t>)
    return DType::kInt16;
  else if constexpr (std::is_same_v<T, uint16_t>)
    return DType::kUInt16;
  else if constexpr (std::is_same_v<T, int32_t>)
    return DType::kInt32;
  else if constexpr (std::is_same_v<T, uint32_t>)
    return DType::kUInt32;
  else if constexpr (std::is_same_v<T, int64_t>)
    return DType::kInt64;
  else if constexpr (std::is_same_v<T, uint64_t>)
    return DType::kUInt64;
  else if constexpr (std::is_same_v<T, bool>)
    return DType::kBool;
  else
    static_assert(sizeof(T) == 0, "unsupported element type");
}

namespace detail {
[[noreturn]] void throw_dtype_mismatch(DType have, DType want);
}

template <typename T>
T* Tensor::data_as() {
  if (dtype_of<T>() != dtype_ && !(dtype_ == DType::kFloat16 && std::is_same_v<T, uint16_t>)&&!(
                                     dtype_ == DType::kBFloat16 && std::is_same_v<T, uint16_t>))
    detail::throw_dtype_mismatch(dtype_, dtype_of<T>());
  return static_cast<T*>(data_);
}

template <typename T>
const T* Tensor::data_as() const {
  return const_cast<Tensor*>(this)->data_as<T>();
}

template <typename T>
Tensor Tensor::from_vector(const std::vector<T>& values, Shape shape) {
  Tensor t = zeros(dtype_of<T>(), std::move(shape));
  if (static_cast<int64_t>(values.size()) != t.numel())
    throw Error(ErrorCode::kBadInput,
                "from_vector: " + std::to_string(values.size()) + " values for shape " + shape_to_string(t.shape()));
  T* out = t.data_as<T>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i];
  return t;
}

}  // namespace piu
