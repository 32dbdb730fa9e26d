// Calibration data: items from files or a caller's loader, stacked into batches.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>

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

class ItemSource : public CalibrationSource {
 public:
  ItemSource(std::vector<std::string> items, std::function<Tensor(const std::string&)> load, BatchOptions batch,
             std::string what)
      : items_(std::move(items)), load_(std::move(load)), batch_(std::move(batch)), what_(std::move(what)) {
    if (batch_.batch_size <= 0) throw Error(ErrorCode::kBadInput, "calibration batch size must be positive");
    if (batch_.item_rank < 0 && !batch_.max_item_shape.empty())
      batch_.item_rank = static_cast<int64_t>(batch_.max_item_shape.size());
    if (!batch_.max_item_shape.empty() && !is_static(batch_.max_item_shape))
      throw Error(ErrorCode::kBadInput, "max_item_shape " + shape_to_string(batch_.max_item_shape) +
                                            " has a dynamic dim; give every dim");
  }

  int64_t size() const override { return known_items_ ? static_cast<int64_t>(items_.size()) : -1; }
  void set_items_known(bool known) { known_items_ = known; }

  void reset() override {
    next_ = 0;
    pending_.clear();
  }

  std::string describe() const override { return what_; }

  Tensor next_batch() override {
    std::vector<std::pair<Tensor, std::string>> got;
    while (static_cast<int64_t>(got.size()) < batch_.batch_size) {
      if (pending_.empty() && !fill()) break;
      got.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    if (got.empty()) return {};
    const Shape& target = item_shape_;
    Shape batch_shape = target;
    batch_shape.insert(batch_shape.begin(), static_cast<int64_t>(got.size()));
    Tensor out = Tensor::zeros(dtype_, batch_shape);
    const size_t item_bytes = static_cast<size_t>(shape_numel(target)) * dtype_size(dtype_);
    auto* dst = static_cast<uint8_t*>(out.data());
    for (size_t i = 0; i < got.size(); ++i) copy_padded(got[i].first, target, dst + i * item_bytes);
    return out;
  }

 private:
  // Loads the next file's items into pending_; false when no file is left.
  bool fill() {
    if (next_ >= items_.size()) return false;
    const std::string& name = items_[next_++];
    Tensor t;
    try {
      t = load_(name);
    } catch (const Error& e) {
      const std::string msg = e.what();
      if (msg.find(name) != std::string::npos) throw;
      throw e.with_context(name);
    }
    if (!t.defined()) throw Error(ErrorCode::kBadInput, name + ": the item loader returned no tensor");
    if (t.device().kind != DeviceKind::kCpu) throw Error(ErrorCode::kBadInput, name + ": item is not a host tensor");
    if (first_) {
      dtype_ = t.dtype();
      if (batch_.item_rank < 0) batch_.item_rank = static_cast<int64_t>(t.rank());
    } else if (t.dtype() != dtype_) {
      throw Error(ErrorCode::kBadInput, name + ": item of dtype " + std::string(dtype_name(t.dtype())) +
                                            " among items of " + std::string(dtype_name(dtype_)));
    }
    check_finite(t, name);
    const int64_t rank = static_cast<int64_t>(t.rank());
    std::vector<Tensor> items;
    if (rank == batch_.item_rank) {
      items.push_back(t);
    } else if (rank == batch_.item_rank + 1) {
      if (t.dim(0) == 0) throw Error(ErrorCode::kBadInput, name + ": batch of 0 items");
      for (int64_t i = 0; i < t.dim(0); ++i) {
        Shape s(t.shape().begin() + 1, t.shape().end());
        items.push_back(t.slice_rows(i, i + 1).reshaped(s));
      }
    } else {
      throw Error(ErrorCode::kBadInput, name + ": shape " + shape_to_string(t.shape()) + " is neither an item of rank " +
                                            std::to_string(batch_.item_rank) + " nor a batch of them");
    }
    for (auto& item : items) {
      const Shape& s = item.shape();
      if (first_) {
        item_shape_ = batch_.max_item_shape.empty() ? s : batch_.max_item_shape;
        first_ = false;
      }
      if (!batch_.max_item_shape.empty()) {
        for (size_t d = 0; d < s.size(); ++d)
          if (s[d] > item_shape_[d])
            throw Error(ErrorCode::kBadInput, name + ": item of shape " + shape_to_string(s) +
                                                  " is larger than max_item_shape " + shape_to_string(item_shape_) +
                                                  " (dim " + std::to_string(d) + ")");
      } else if (s != item_shape_) {
        throw Error(ErrorCode::kBadInput, name + ": item of shape " + shape_to_string(s) + " differs from the first item's " +
                                              shape_to_string(item_shape_) + "; give max_item_shape to pad smaller items");
      }
      pending_.emplace_back(std::move(item), name);
    }
    return true;
  }

  std::vector<std::string> items_;
  std::function<Tensor(const std::string&)> load_;
  BatchOptions batch_;
  std::string what_;
  size_t next_ = 0;
  std::deque<std::pair<Tensor, std::string>> pending_;
  bool first_ = true;
  bool known_items_ = false;
  DType dtype_ = DType::kFloat32;
  Shape item_shape_;
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

std::unique_ptr<CalibrationSource> calibration_from_items(std::vector<std::string> items,
                                                          std::function<Tensor(const std::string&)> load_item,
                                                          const BatchOptions& batch) {
  if (items.empty()) throw Error(ErrorCode::kBadInput, "the calibration set is empty");
  if (!load_item) throw Error(ErrorCode::kBadInput, "no function to load calibration items");
  const std::string what = std::to_string(items.size()) + " calibration items";
  return std::make_unique<ItemSource>(std::move(items), std::move(load_item), batch, what);
}

std::unique_ptr<CalibrationSource> calibration_from_folder(const std::string& dir, const BatchOptions& batch,
                                                           const ImageInputOptions& images) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(ErrorCode::kBadInput, "calibration data " + dir + ": " + (fs::exists(dir, ec) ? "not a folder" : "no such folder"));
  std::vector<std::string> npys, imgs;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    const std::string ext = lower(entry.path().extension().string());
    if (ext == ".npy") npys.push_back(entry.path().string());
    if (is_image_ext(ext)) imgs.push_back(entry.path().string());
  }
  if (ec) throw Error(ErrorCode::kIo, "cannot list calibration folder " + dir + ": " + ec.message());
  if (npys.empty() && imgs.empty())
    throw Error(ErrorCode::kBadInput, "calibration folder " + dir + " holds no .npy or image (.jpg, .jpeg, .png, .bmp) files");
  if (!npys.empty() && !imgs.empty())
    throw Error(ErrorCode::kBadInput, "calibration folder " + dir + " mixes .npy files (" + std::to_string(npys.size()) +
                                          ") and images (" + std::to_string(imgs.size()) + "); use one kind");
  std::sort(npys.begin(), npys.end());
  std::sort(imgs.begin(), imgs.end());
  if (!npys.empty()) {
    const std::string what = std::to_string(npys.size()) + " .npy files in " + dir;
    return std::make_unique<ItemSource>(std::move(npys), [](const std::string& p) { return read_npy(p); }, batch, what);
  }
  const std::string what = std::to_string(imgs.size()) + " images in " + dir;
  BatchOptions b = batch;
  b.item_rank = 3;
  auto src = std::make_unique<ItemSource>(
      std::move(imgs), [images](const std::string& p) { return load_image_item(p, images); }, b, what);
  src->set_items_known(true);
  return src;
}

}  // namespace piu
