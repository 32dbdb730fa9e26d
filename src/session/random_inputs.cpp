// Random inputs of the right dtype and shape, for `piu run/bench/compare` and verification.
#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <random>

#include "core/checked.hpp"
#include "piu/session.hpp"

namespace piu {

namespace {

// The spec of `info`: the one naming it, else an unnamed one.
const ShapeSpec* spec_for(const TensorInfo& info, const std::vector<ShapeSpec>& shapes) {
  for (const auto& s : shapes)
    if (s.name == info.name) return &s;
  for (const auto& s : shapes)
    if (s.name.empty()) return &s;
  return nullptr;
}

std::string dim_name(const TensorInfo& info, size_t d) { return d < info.dim_names.size() ? info.dim_names[d] : ""; }

// The model's shape with the spec's dims put in (dynamic dims left -1); a model that declares no
// shape (TorchScript) takes the spec's.
Shape with_spec(const TensorInfo& info, const ShapeSpec* spec) {
  if (!info.rank_known) {
    if (!spec)
      throw Error(ErrorCode::kBadInput, "input '" + info.name +
                                            "' has no declared shape (TorchScript models do not record one): give it "
                                            "with --shape " + info.name + ":1x3x224x224 (-1 for the batch)");
    return spec->shape;
  }
  Shape shape = info.shape;
  if (!spec) return shape;
  if (spec->shape.size() != shape.size())
    throw Error(ErrorCode::kBadInput, "shape " + shape_to_string(spec->shape) + " given for input '" + info.name +
                                          "' has rank " + std::to_string(spec->shape.size()) +
                                          ", the model expects " + shape_to_string(info.shape));
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] >= 0 && spec->shape[d] >= 0 && shape[d] != spec->shape[d])
      throw Error(ErrorCode::kBadInput, "shape " + shape_to_string(spec->shape) + " given for input '" + info.name +
                                            "' conflicts with the model's static shape " + shape_to_string(info.shape));
    if (spec->shape[d] >= 0) shape[d] = spec->shape[d];
  }
  return shape;
}

// `shape` (from with_spec) with its dynamic dims sized: the first by its name's size or `batch`,
// the others by their names' sizes; throws kBadInput for a dim left unknown.
Shape sized(const TensorInfo& info, const ShapeSpec* spec, Shape shape, int64_t batch,
            const std::map<std::string, int64_t>& dims) {
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] >= 0) continue;
    const std::string name = info.rank_known ? dim_name(info, d) : "";
    if (auto it = dims.find(name); !name.empty() && it != dims.end())
      shape[d] = it->second;
    else if (d == 0)
      shape[d] = batch;
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] >= 0) continue;
    if (!info.rank_known)
      throw Error(ErrorCode::kBadInput, "input '" + info.name + "': dim " + std::to_string(d) + " of " +
                                            shape_to_string(spec->shape) + " must be given");
    const std::string dim_label = dim_name(info, d).empty() ? "" : " ('" + dim_name(info, d) + "')";
    std::string example;  // the shape with each dynamic dim spelled as its name: 1x3xheightxwidth
    for (size_t k = 0; k < shape.size(); ++k) {
      const std::string named = dim_name(info, k);
      example += (k ? "x" : "") + (shape[k] >= 0 ? std::to_string(shape[k]) : !named.empty() ? named : "N");
    }
    throw Error(ErrorCode::kBadInput, "input '" + info.name + "' has dynamic dim " + std::to_string(d) + dim_label +
                                          " in shape " + shape_to_string(info.shape) +
                                          "; give its size with --shape " + info.name + ":" + example +
                                          " (numbers for every dim)");
  }
  return shape;
}

// The dtype of a random input: the model's, or the spec's where the model declares none.
DType random_dtype(const TensorInfo& info, const ShapeSpec* spec) {
  if (!spec || !spec->dtype || *spec->dtype == info.dtype) return info.dtype;
  if (!info.rank_known) return *spec->dtype;
  throw Error(ErrorCode::kBadInput, "--shape " + (spec->name.empty() ? info.name : spec->name) + ": input '" +
                                        info.name + "' is " + std::string(dtype_name(info.dtype)) + ", not " +
                                        std::string(dtype_name(*spec->dtype)));
}

std::string input_names(const std::vector<TensorInfo>& inputs) {
  std::string names;
  for (const auto& i : inputs) names += (names.empty() ? "" : ", ") + i.name;
  return names;
}

// The smallest and largest value of an integer dtype.
std::pair<int64_t, int64_t> integer_limits(DType d) {
  switch (d) {
    case DType::kInt8: return {INT8_MIN, INT8_MAX};
    case DType::kUInt8: return {0, UINT8_MAX};
    case DType::kInt16: return {INT16_MIN, INT16_MAX};
    case DType::kUInt16: return {0, UINT16_MAX};
    case DType::kInt32: return {INT32_MIN, INT32_MAX};
    case DType::kUInt32: return {0, UINT32_MAX};
    default: return {INT64_MIN, INT64_MAX};
  }
}

// Random inputs together may take this many bytes (16 GiB), or PIU_MAX_INPUT_BYTES: a typo in a
// batch size (-b 100000000) is refused before anything is allocated.
constexpr uint64_t kDefaultMaxInputBytes = uint64_t{16} << 30;

uint64_t max_input_bytes() {
  const char* text = std::getenv("PIU_MAX_INPUT_BYTES");
  if (text == nullptr || *text == '\0') return kDefaultMaxInputBytes;
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text, text + std::strlen(text), value);
  if (ec != std::errc() || *ptr != '\0' || value == 0)
    throw Error(ErrorCode::kBadInput, "PIU_MAX_INPUT_BYTES='" + std::string(text) + "' is not a positive integer");
  return value;
}

// Fills an integer tensor with values in [low, high).
template <class T>
void fill_integers(Tensor& t, int64_t low, int64_t high, std::mt19937_64& rng) {
  std::uniform_int_distribution<int64_t> values(low, high - 1);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<T>()[i] = static_cast<T>(values(rng));
}

}  // namespace

Shape resolve_input_shape(const TensorInfo& info, const std::vector<ShapeSpec>& shapes, int64_t batch) {
  const ShapeSpec* spec = spec_for(info, shapes);
  return sized(info, spec, with_spec(info, spec), batch, {});
}

std::vector<Tensor> make_random_inputs(const std::vector<TensorInfo>& inputs, const std::vector<ShapeSpec>& shapes,
                                       int64_t batch, uint64_t seed) {
  RandomInputOptions options;
  options.shapes = shapes;
  options.batch = batch;
  options.seed = seed;
  return make_random_inputs(inputs, options);
}

std::vector<Tensor> make_random_inputs(const std::vector<TensorInfo>& inputs, const RandomInputOptions& options) {
  for (const auto& s : options.shapes) {
    bool found = s.name.empty();
    for (const auto& i : inputs) found = found || i.name == s.name;
    if (!found) throw Error(ErrorCode::kBadInput, "--shape names input '" + s.name + "', the model has: " + input_names(inputs));
  }
  for (const auto& r : options.int_ranges) {
    const TensorInfo* input = nullptr;
    for (const auto& i : inputs)
      if (i.name == r.name) input = &i;
    if (!input)
      throw Error(ErrorCode::kBadInput, "--int-range names input '" + r.name + "', the model has: " + input_names(inputs));
  }
  // Symbolic dims: the sizes given (options.dims), then those the shapes fix, then the batch's name.
  std::map<std::string, int64_t> dims = options.dims;
  std::vector<Shape> shapes;
  for (const auto& info : inputs) {
    shapes.push_back(with_spec(info, spec_for(info, options.shapes)));
    for (size_t d = 0; info.rank_known && d < info.shape.size(); ++d)
      if (info.shape[d] < 0 && shapes.back()[d] >= 0 && !dim_name(info, d).empty())
        dims.emplace(dim_name(info, d), shapes.back()[d]);
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].rank_known && !shapes[i].empty() && shapes[i][0] < 0 && !dim_name(inputs[i], 0).empty())
      dims.emplace(dim_name(inputs[i], 0), options.batch);
  // Every input's bytes are counted before the first is allocated: a batch of 10^8 is refused, not tried.
  const uint64_t budget = max_input_bytes();
  uint64_t total = 0;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const TensorInfo& info = inputs[k];
    const ShapeSpec* spec = spec_for(info, options.shapes);
    shapes[k] = sized(info, spec, shapes[k], options.batch, dims);
    const DType dtype = random_dtype(info, spec);
    const uint64_t bytes = checked_nbytes(dtype, shapes[k], "input '" + info.name + "'");
    total = bytes > std::numeric_limits<uint64_t>::max() - total ? std::numeric_limits<uint64_t>::max() : total + bytes;
    if (total > budget)
      throw Error(ErrorCode::kBadInput,
                  "input '" + info.name + "': random inputs of shape " + shape_to_string(shapes[k]) + " " +
                      std::string(dtype_name(dtype)) + " need " + std::to_string(total) + " bytes in all, over the " +
                      std::to_string(budget) + "-byte budget (PIU_MAX_INPUT_BYTES to allow more)");
  }
  std::mt19937_64 rng(options.seed);
  std::vector<Tensor> out;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const TensorInfo& info = inputs[k];
    const ShapeSpec* spec = spec_for(info, options.shapes);
    const DType dtype = random_dtype(info, spec);
    Tensor t = Tensor::zeros(dtype, shapes[k]);
    const int64_t n = t.numel();
    std::uniform_real_distribution<float> real(-1.0f, 1.0f);
    std::uniform_int_distribution<int> small(0, 1);
    // Integer inputs are usually indices, token ids or masks: [0, 2) unless a range says more.
    IntRange range{info.name, 0, 2};
    for (auto it = options.int_ranges.rbegin(); it != options.int_ranges.rend(); ++it)
      if (it->name == info.name) range = *it;  // the first range of a name wins
    const bool ranged = std::any_of(options.int_ranges.begin(), options.int_ranges.end(),
                                    [&](const IntRange& r) { return r.name == info.name; });
    if (is_floating(dtype) || dtype == DType::kBool) {
      if (ranged)
        throw Error(ErrorCode::kBadInput, "--int-range " + info.name + ": input '" + info.name + "' is " +
                                              std::string(dtype_name(dtype)) + ", not an integer");
    } else if (const auto [lo, hi] = integer_limits(dtype); range.low < lo || range.high - 1 > hi) {
      throw Error(ErrorCode::kBadInput, "--int-range " + range.name + ":" + std::to_string(range.low) + ":" +
                                            std::to_string(range.high) + " does not fit input '" + info.name +
                                            "' of type " + std::string(dtype_name(dtype)));
    }
    switch (dtype) {
      case DType::kFloat32:
        for (int64_t i = 0; i < n; ++i) t.data_as<float>()[i] = real(rng);
        break;
      case DType::kFloat64:
        for (int64_t i = 0; i < n; ++i) t.data_as<double>()[i] = real(rng);
        break;
      case DType::kFloat16:
        for (int64_t i = 0; i < n; ++i) t.data_as<uint16_t>()[i] = float_to_half(real(rng));
        break;
      case DType::kBFloat16:
        for (int64_t i = 0; i < n; ++i) {
          float f = real(rng);
          uint32_t bits;
          std::memcpy(&bits, &f, sizeof bits);
          t.data_as<uint16_t>()[i] = static_cast<uint16_t>(bits >> 16);
        }
        break;
      case DType::kInt8:
        fill_integers<int8_t>(t, range.low, range.high, rng);
        break;
      case DType::kUInt8:
        fill_integers<uint8_t>(t, range.low, range.high, rng);
        break;
      case DType::kInt16:
        fill_integers<int16_t>(t, range.low, range.high, rng);
        break;
      case DType::kUInt16:
        fill_integers<uint16_t>(t, range.low, range.high, rng);
        break;
      case DType::kInt32:
        fill_integers<int32_t>(t, range.low, range.high, rng);
        break;
      case DType::kUInt32:
        fill_integers<uint32_t>(t, range.low, range.high, rng);
        break;
      case DType::kInt64:
        fill_integers<int64_t>(t, range.low, range.high, rng);
        break;
      case DType::kUInt64:
        fill_integers<uint64_t>(t, range.low, range.high, rng);
        break;
      case DType::kBool:
        for (int64_t i = 0; i < n; ++i) t.data_as<bool>()[i] = small(rng) != 0;
        break;
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace piu
