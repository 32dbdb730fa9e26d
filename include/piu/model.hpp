// piu Model: a Session plus preprocess/postprocess hooks (the seed's ONNXWrapper/TRTWrapper),
// image helpers, and ImageClassifier, a complete example subclass.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "piu/core.hpp"
#include "piu/session.hpp"

namespace piu {

// A model users call with their own types. Subclasses implement preprocess (one item -> the
// model's inputs with a leading batch dim of 1, the seed's _process_img_) and postprocess (the
// outputs for one item -> a result, the seed's _process_preds_). The backend is whatever the
// Session is, so the same subclass runs on ONNX Runtime, TensorRT or LibTorch.
template <typename Input, typename Output>
class Model {
 public:
  explicit Model(std::shared_ptr<const Session> session) : session_(std::move(session)) {
    if (!session_) throw Error(ErrorCode::kBadInput, "Model needs a session");
  }
  Model(const std::string& path, const SessionOptions& options = {}) : Model(Session::open(path, options)) {}
  virtual ~Model() = default;

  // preprocess -> run -> postprocess for one item. Thread-safe when the hooks are.
  Output run(const Input& item) const { return postprocess(session_->run(preprocess(item))); }

  // Runs several items. When every input has a dynamic first dim the items go through the backend
  // as one batch; otherwise one at a time. Results are in the order of `items`.
  std::vector<Output> run_batch(const std::vector<Input>& items) const {
    std::vector<Output> results;
    if (items.empty()) return results;
    bool batchable = true;
    for (const auto& info : session_->inputs()) batchable = batchable && !info.shape.empty() && info.shape[0] < 0;
    if (!batchable || items.size() == 1) {
      for (const auto& item : items) results.push_back(run(item));
      return results;
    }
    std::vector<std::vector<Tensor>> per_input(session_->inputs().size());
    for (const auto& item : items) {
      std::vector<Tensor> tensors = preprocess(item);
      if (tensors.size() != per_input.size())
        throw Error(ErrorCode::kBadInput, "preprocess returned " + std::to_string(tensors.size()) +
                                              " tensors, the model takes " + std::to_string(per_input.size()));
      for (size_t i = 0; i < tensors.size(); ++i) per_input[i].push_back(std::move(tensors[i]));
    }
    std::vector<Tensor> batch;
    for (const auto& parts : per_input) batch.push_back(concat_rows(parts));
    const std::vector<Tensor> outputs = session_->run(batch);
    int64_t row = 0;
    for (const auto& item_inputs : per_input[0]) {
      const int64_t rows = item_inputs.dim(0);
      std::vector<Tensor> item_outputs;
      for (const auto& o : outputs) item_outputs.push_back(o.slice_rows(row, row + rows));
      results.push_back(postprocess(item_outputs));
      row += rows;
    }
    return results;
  }

  const Session& session() const { return *session_; }

 protected:
  virtual std::vector<Tensor> preprocess(const Input& item) const = 0;
  virtual Output postprocess(const std::vector<Tensor>& outputs) const = 0;

 private:
  std::shared_ptr<const Session> session_;
};

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

// An 8-bit interleaved (HWC) image.
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;
};

// Loads a JPEG/PNG/BMP/... as RGB (channels = 3). Throws kBadInput naming the file when it cannot be decoded.
Image load_image(const std::string& path);
// Bilinear resize.
Image resize_image(const Image& image, int width, int height);

struct ImageNormalization {
  std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};  // applied after scaling to [0, 1]
  std::array<float, 3> std = {0.229f, 0.224f, 0.225f};
  bool bgr = false;  // channel order of the tensor
};
// A 1x3xHxW float tensor: (pixel / 255 - mean) / std per channel.
Tensor image_to_tensor(const Image& image, const ImageNormalization& norm = {});

// ---------------------------------------------------------------------------------------------
// ImageClassifier: image file -> resize/normalize -> model -> top-k classes
// ---------------------------------------------------------------------------------------------

struct Classification {
  int64_t index = 0;
  float score = 0;  // probability (softmax applied when the model outputs logits)
  std::string label;
};

struct ImageClassifierOptions {
  ImageNormalization normalization;
  int width = 224;  // used when the model's spatial dims are dynamic
  int height = 224;
  int top_k = 5;
  std::vector<std::string> labels;  // index -> name; empty means "class <i>"
};

class ImageClassifier : public Model<std::string, std::vector<Classification>> {
 public:
  ImageClassifier(std::shared_ptr<const Session> session, ImageClassifierOptions options = {});
  ImageClassifier(const std::string& model_path, ImageClassifierOptions options = {},
                  const SessionOptions& session_options = {});

 protected:
  std::vector<Tensor> preprocess(const std::string& image_path) const override;
  std::vector<Classification> postprocess(const std::vector<Tensor>& outputs) const override;

 private:
  ImageClassifierOptions options_;
  int width_;
  int height_;
};

// Reads one label per line (blank lines kept as empty labels).
std::vector<std::string> read_labels(const std::string& path);

}  // namespace piu
