// Calibration data: items from files or a caller's loader, stacked into batches.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>

#include "core/checked.hpp"
#include "piu/quant.hpp"

namespace piu {

namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_image_ext(const std::string& ext) {
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

// Throws kBadInput naming `where` when a float item holds NaN or Inf.
void check_finite(const Tensor& t, const std::string& where) {
  if (!is_floating(t.dtype())) return;
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = element_as_double(t, i);
    if (!std::isfinite(v))
      throw Error(ErrorCode::kBadInput, where + ": calibration item holds " + (std::isnan(v) ? "NaN" : "Inf") +
                                            " (element " + std::to_string(i) + ")");
  }
}

// Copies `item` into `dst` (a zeroed buffer of shape `target`), zero-padding each dim at its end.
void copy_padded(const Tensor& item, const Shape& target, uint8_t* dst) {
  const size_t es = dtype_size(item.dtype());
  const Shape& s = item.shape();
  const size_t rank = s.size();
  if (rank == 0) {
    std::memcpy(dst, item.data(), es);
    return;
  }
  // Walk every row (last dim) of the item.
  const int64_t row = s[rank - 1];
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < rank; ++d) rows *= s[d];
  std::vector<int64_t> idx(rank, 0);
  const auto* src = static_cast<const uint8_t*>(item.data());
  for (int64_t r = 0; r < rows; ++r) {
    int64_t off = 0;
    for (size_t d = 0; d + 1 < rank; ++d) off = off * target[d] + idx[d];
    off = off * target[rank - 1];
    std::memcpy(dst + off * es, src + r * row * es, row * es);
    for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
      if (++idx[d] < s[d]) break;
      idx[d] = 0;
    }
  }
}

// Items from files or a caller's function, each loaded as a tensor per input name; batches stack
// each input's items (zero-padded to its max_item_shape) along a new first dim.
class ItemSource : public CalibrationSource {
 public:
  ItemSource(std::vector<std::string> items, std::function<NamedTensors(const std::string&)> load, BatchOptions batch,
             std::string what)
      : items_(std::move(items)), load_(std::move(load)), batch_(std::move(batch)), what_(std::move(what)) {
    if (batch_.batch_size <= 0) throw Error(ErrorCode::kBadInput, "calibration batch size must be positive");
    batch_.inputs[""] = ItemLayout{batch_.max_item_shape, batch_.item_rank};
    for (auto& [name, layout] : batch_.inputs) {
      if (layout.item_rank < 0 && !layout.max_item_shape.empty())
        layout.item_rank = static_cast<int64_t>(layout.max_item_shape.size());
      if (!layout.max_item_shape.empty() && !is_static(layout.max_item_shape))
        throw Error(ErrorCode::kBadInput, "max_item_shape " + shape_to_string(layout.max_item_shape) +
                                              (name.empty() ? "" : " of input '" + name + "'") +
                                              " has a dynamic dim; give every dim");
    }
  }

  int64_t size() const override { return known_items_ ? static_cast<int64_t>(items_.size()) : -1; }
  void set_items_known(bool known) { known_items_ = known; }

  void reset() override {
    next_ = 0;
    pending_.clear();
  }

  std::string describe() const override { return what_; }

  NamedTensors next_inputs() override {
    std::vector<NamedTensors> got;
    while (static_cast<int64_t>(got.size()) < batch_.batch_size) {
      if (pending_.empty() && !fill()) break;
      got.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    NamedTensors out;
    if (got.empty()) return out;
    for (const auto& [name, state] : inputs_) {
      Shape batch_shape = state.item_shape;
      batch_shape.insert(batch_shape.begin(), static_cast<int64_t>(got.size()));
      Tensor t = Tensor::zeros(state.dtype, batch_shape);
      const size_t item_bytes = checked_nbytes(state.dtype, state.item_shape, "input '" + name + "'");
      auto* dst = static_cast<uint8_t*>(t.data());
      for (size_t i = 0; i < got.size(); ++i) copy_padded(got[i].at(name), state.item_shape, dst + i * item_bytes);
      out.emplace(name, std::move(t));
    }
    return out;
  }

 private:
  // What the first item fixed for one input.
  struct InputState {
    DType dtype = DType::kFloat32;
    Shape item_shape;
    ItemLayout layout;
  };

  const ItemLayout& layout_of(const std::string& input) const {
    static const ItemLayout kNone;
    auto it = batch_.inputs.find(input);
    return it == batch_.inputs.end() ? kNone : it->second;
  }

  static std::string input_label(const std::string& input) { return input.empty() ? "" : " '" + input + "'"; }

  // Splits one input's loaded tensor into items (itself, or its rows when it is a batch).
  std::vector<Tensor> split(const std::string& file, const std::string& input, const Tensor& t, int64_t item_rank) {
    const int64_t rank = static_cast<int64_t>(t.rank());
    if (item_rank < 0 || rank == item_rank) return {t};
    if (rank != item_rank + 1)
      throw Error(ErrorCode::kBadInput, file + ": input" + input_label(input) + " of shape " + shape_to_string(t.shape()) +
                                            " is neither an item of rank " + std::to_string(item_rank) +
                                            " nor a batch of them");
    if (t.dim(0) == 0) throw Error(ErrorCode::kBadInput, file + ": batch of 0 items");
    std::vector<Tensor> rows;
    const Shape s(t.shape().begin() + 1, t.shape().end());
    for (int64_t i = 0; i < t.dim(0); ++i) rows.push_back(t.slice_rows(i, i + 1).reshaped(s));
    return rows;
  }

  // Checks one item of `input` against the first item's shape (or the max_item_shape).
  void check_item(const std::string& file, const std::string& input, const InputState& state, const Shape& s) const {
    if (!state.layout.max_item_shape.empty()) {
      if (s.size() != state.item_shape.size())
        throw Error(ErrorCode::kBadInput, file + ": item" + input_label(input) + " of shape " + shape_to_string(s) +
                                              " does not have the rank of max_item_shape " +
                                              shape_to_string(state.item_shape));
      for (size_t d = 0; d < s.size(); ++d)
        if (s[d] > state.item_shape[d])
          throw Error(ErrorCode::kBadInput, file + ": item" + input_label(input) + " of shape " + shape_to_string(s) +
                                                " is larger than max_item_shape " + shape_to_string(state.item_shape) +
                                                " (dim " + std::to_string(d) + ")");
    } else if (s != state.item_shape) {
      throw Error(ErrorCode::kBadInput, file + ": item" + input_label(input) + " of shape " + shape_to_string(s) +
                                            " differs from the first item's " + shape_to_string(state.item_shape) +
                                            "; give max_item_shape to pad smaller items");
    }
  }

  // Loads the next file's items into pending_; false when no file is left.
  bool fill() {
    if (next_ >= items_.size()) return false;
    const std::string& file = items_[next_++];
    NamedTensors loaded;
    try {
      loaded = load_(file);
    } catch (const Error& e) {
      const std::string msg = e.what();
      if (msg.find(file) != std::string::npos) throw;
      throw e.with_context(file);
    }
    if (loaded.empty()) throw Error(ErrorCode::kBadInput, file + ": the item loader returned no tensor");
    if (!inputs_.empty()) {
      std::string expected, given;
      for (const auto& kv : inputs_) expected += (expected.empty() ? "" : ", ") + kv.first;
      for (const auto& kv : loaded) given += (given.empty() ? "" : ", ") + kv.first;
      if (expected != given)
        throw Error(ErrorCode::kBadInput, file + ": holds inputs (" + given + ") but the items before it hold (" +
                                              expected + ")");
    }
    std::map<std::string, std::vector<Tensor>> items;
    size_t count = 0;
    for (const auto& [input, t] : loaded) {
      if (!t.defined()) throw Error(ErrorCode::kBadInput, file + ": the item loader returned no tensor" + input_label(input));
      if (t.device().kind != DeviceKind::kCpu)
        throw Error(ErrorCode::kBadInput, file + ": item" + input_label(input) + " is not a host tensor");
      auto [it, first] = inputs_.try_emplace(input);
      InputState& state = it->second;
      if (first) {
        state.dtype = t.dtype();
        state.layout = layout_of(input);
        if (state.layout.item_rank < 0) state.layout.item_rank = static_cast<int64_t>(t.rank());
      } else if (t.dtype() != state.dtype) {
        throw Error(ErrorCode::kBadInput, file + ": item" + input_label(input) + " of dtype " +
                                              std::string(dtype_name(t.dtype())) + " among items of " +
                                              std::string(dtype_name(state.dtype)));
      }
      check_finite(t, file);
      auto rows = split(file, input, t, state.layout.item_rank);
      for (const auto& row : rows) {
        if (first && state.item_shape.empty() && row.rank() > 0)
          state.item_shape = state.layout.max_item_shape.empty() ? row.shape() : state.layout.max_item_shape;
        if (first && row.rank() == 0) state.item_shape = state.layout.max_item_shape;
        first = false;
        check_item(file, input, state, row.shape());
      }
      if (!items.empty() && rows.size() != count)
        throw Error(ErrorCode::kBadInput, file + ": input" + input_label(input) + " holds " + std::to_string(rows.size()) +
                                              " items, input" + input_label(items.begin()->first) + " " +
                                              std::to_string(count));
      count = rows.size();
      items.emplace(input, std::move(rows));
    }
    for (size_t i = 0; i < count; ++i) {
      NamedTensors item;
      for (auto& [input, rows] : items) item.emplace(input, std::move(rows[i]));
      pending_.push_back(std::move(item));
    }
    return true;
  }

  std::vector<std::string> items_;
  std::function<NamedTensors(const std::string&)> load_;
  BatchOptions batch_;
  std::string what_;
  size_t next_ = 0;
  std::deque<NamedTensors> pending_;
  bool known_items_ = false;
  std::map<std::string, InputState> inputs_;  // fixed by the first file
};

Tensor load_image_item(const std::string& path, const ImageInputOptions& o) {
  Image img = load_image(path);
  if ((o.width > 0) != (o.height > 0)) throw Error(ErrorCode::kBadInput, "image size needs both width and height");
  if (o.width > 0 && (img.width != o.width || img.height != o.height)) img = resize_image(img, o.width, o.height);
  if (o.channels != 1 && o.channels != 3)
    throw Error(ErrorCode::kBadInput, "images have 1 or 3 channels, not " + std::to_string(o.channels));
  const int64_t h = img.height, w = img.width, c = o.channels;
  Tensor t = Tensor::zeros(DType::kFloat32, o.nhwc ? Shape{h, w, c} : Shape{c, h, w});
  float* out = t.data_as<float>();
  const size_t plane = static_cast<size_t>(h * w);
  for (size_t p = 0; p < plane; ++p) {
    const uint8_t* px = &img.pixels[p * 3];
    for (int64_t ch = 0; ch < c; ++ch) {
      float v;
      if (c == 1) {
        v = 0.299f * px[0] + 0.587f * px[1] + 0.114f * px[2];
      } else {
        v = px[o.norm.bgr ? 2 - ch : ch];
      }
      v = (v * o.scale - o.norm.mean[ch]) / o.norm.std[ch];
      out[o.nhwc ? p * c + ch : ch * plane + p] = v;
    }
  }
  return t;
}

}  // namespace

Tensor CalibrationSource::next_batch() {
  NamedTensors batch = next_inputs();
  if (batch.empty()) return {};
  if (batch.size() != 1 || !batch.begin()->first.empty())
    throw Error(ErrorCode::kBadInput, describe() + ": items hold named inputs; this step feeds one unnamed tensor");
  return std::move(batch.begin()->second);
}

std::vector<Tensor> feeds_for(const NamedTensors& batch, const std::vector<TensorInfo>& inputs,
                              const std::string& what) {
  std::string names;
  for (const auto& in : inputs) names += (names.empty() ? "" : ", ") + in.name;
  std::vector<Tensor> feeds;
  auto take = [&](const TensorInfo& input, const Tensor& t) {
    if (t.dtype() == input.dtype) return t;
    if (is_floating(t.dtype()) && input.dtype == DType::kFloat32) return to_float32(t);
    throw Error(ErrorCode::kBadInput, what + ": items of input '" + input.name + "' are " +
                                          std::string(dtype_name(t.dtype())) + " but it takes " +
                                          std::string(dtype_name(input.dtype)));
  };
  if (batch.size() == 1 && batch.begin()->first.empty()) {
    if (inputs.size() != 1)
      throw Error(ErrorCode::kBadInput, what + ": items are single unnamed tensors but the model has " +
                                            std::to_string(inputs.size()) + " inputs (" + names +
                                            "); give an array per input name (.npz files, or dicts)");
    feeds.push_back(take(inputs[0], batch.begin()->second));
    return feeds;
  }
  for (const auto& [name, t] : batch) {
    const bool known = std::any_of(inputs.begin(), inputs.end(), [&](const TensorInfo& i) { return i.name == name; });
    if (!known) throw Error(ErrorCode::kBadInput, what + ": items name an input '" + name + "' the model lacks (inputs: " + names + ")");
  }
  for (const auto& input : inputs) {
    auto it = batch.find(input.name);
    if (it == batch.end()) throw Error(ErrorCode::kBadInput, what + ": items hold no array for input '" + input.name + "'");
    feeds.push_back(take(input, it->second));
  }
  return feeds;
}

NamedTensors slice_items(const NamedTensors& batch, int64_t begin, int64_t end) {
  NamedTensors out;
  for (const auto& [name, t] : batch) out.emplace(name, t.rank() > 0 ? t.slice_rows(begin, end) : t);
  return out;
}

int64_t item_count(const NamedTensors& batch) {
  if (batch.empty()) return 0;
  const Tensor& t = batch.begin()->second;
  return t.rank() > 0 ? t.dim(0) : 1;
}

std::unique_ptr<CalibrationSource> calibration_from_items(std::vector<std::string> items,
                                                          std::function<Tensor(const std::string&)> load_item,
                                                          const BatchOptions& batch) {
  if (!load_item) throw Error(ErrorCode::kBadInput, "no function to load calibration items");
  return calibration_from_named_items(
      std::move(items), [load = std::move(load_item)](const std::string& item) { return NamedTensors{{"", load(item)}}; },
      batch);
}

std::unique_ptr<CalibrationSource> calibration_from_named_items(
    std::vector<std::string> items, std::function<NamedTensors(const std::string&)> load_inputs,
    const BatchOptions& batch) {
  if (items.empty()) throw Error(ErrorCode::kBadInput, "the calibration set is empty");
  if (!load_inputs) throw Error(ErrorCode::kBadInput, "no function to load calibration items");
  const std::string what = std::to_string(items.size()) + " calibration items";
  return std::make_unique<ItemSource>(std::move(items), std::move(load_inputs), batch, what);
}

std::unique_ptr<CalibrationSource> calibration_from_folder(const std::string& dir, const BatchOptions& batch,
                                                           const ImageInputOptions& images) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(ErrorCode::kBadInput, "calibration data " + dir + ": " + (fs::exists(dir, ec) ? "not a folder" : "no such folder"));
  std::vector<std::string> npys, npzs, imgs;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    const std::string ext = lower(entry.path().extension().string());
    if (ext == ".npy") npys.push_back(entry.path().string());
    if (ext == ".npz") npzs.push_back(entry.path().string());
    if (is_image_ext(ext)) imgs.push_back(entry.path().string());
  }
  if (ec) throw Error(ErrorCode::kIo, "cannot list calibration folder " + dir + ": " + ec.message());
  const int kinds = !npys.empty() + !npzs.empty() + !imgs.empty();
  if (kinds == 0)
    throw Error(ErrorCode::kBadInput, "calibration folder " + dir +
                                          " holds no .npy, .npz or image (.jpg, .jpeg, .png, .bmp) files");
  if (kinds > 1)
    throw Error(ErrorCode::kBadInput, "calibration folder " + dir + " mixes .npy files (" + std::to_string(npys.size()) +
                                          "), .npz files (" + std::to_string(npzs.size()) + ") and images (" +
                                          std::to_string(imgs.size()) + "); use one kind");
  std::sort(npys.begin(), npys.end());
  std::sort(npzs.begin(), npzs.end());
  std::sort(imgs.begin(), imgs.end());
  if (!npys.empty()) {
    const std::string what = std::to_string(npys.size()) + " .npy files in " + dir;
    return std::make_unique<ItemSource>(
        std::move(npys), [](const std::string& p) { return NamedTensors{{"", read_npy(p)}}; }, batch, what);
  }
  if (!npzs.empty()) {  // an array per input name
    const std::string what = std::to_string(npzs.size()) + " .npz files in " + dir;
    auto load = [](const std::string& p) {
      NamedTensors inputs;
      for (auto& [name, array] : read_npz(p))
        if (!inputs.emplace(name, std::move(array)).second)
          throw Error(ErrorCode::kBadInput, p + ": holds the array '" + name + "' twice");
      return inputs;
    };
    return std::make_unique<ItemSource>(std::move(npzs), load, batch, what);
  }
  const std::string what = std::to_string(imgs.size()) + " images in " + dir;
  BatchOptions b = batch;
  b.item_rank = 3;
  auto src = std::make_unique<ItemSource>(
      std::move(imgs), [images](const std::string& p) { return NamedTensors{{"", load_image_item(p, images)}}; }, b,
      what);
  src->set_items_known(true);
  return src;
}

}  // namespace piu
