// ImageClassifier: the example Model subclass used by the demo.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include "core/checked.hpp"
#include "piu/model.hpp"

namespace piu {

ImageClassifier::ImageClassifier(std::shared_ptr<const Session> session, ImageClassifierOptions options)
    : Model(std::move(session)), options_(std::move(options)) {
  const auto& inputs = this->session().inputs();
  if (inputs.size() != 1 || inputs[0].shape.size() != 4 || inputs[0].dtype != DType::kFloat32)
    throw Error(ErrorCode::kBadInput, "ImageClassifier needs a model with one float32 NCHW input; " +
                                          this->session().path() + " has " + std::to_string(inputs.size()) +
                                          " input(s)" +
                                          (inputs.empty() ? "" : ", the first " + shape_to_string(inputs[0].shape)));
  if (inputs[0].shape[1] >= 0 && inputs[0].shape[1] != 3)
    throw Error(ErrorCode::kBadInput, "ImageClassifier needs 3 input channels, " + this->session().path() + " has " +
                                          std::to_string(inputs[0].shape[1]));
  height_ = inputs[0].shape[2] > 0 ? static_cast<int>(inputs[0].shape[2]) : options_.height;
  width_ = inputs[0].shape[3] > 0 ? static_cast<int>(inputs[0].shape[3]) : options_.width;
}

ImageClassifier::ImageClassifier(const std::string& model_path, ImageClassifierOptions options,
                                 const SessionOptions& session_options)
    : ImageClassifier(std::shared_ptr<const Session>(Session::open(model_path, session_options)), std::move(options)) {}

std::vector<Tensor> ImageClassifier::preprocess(const std::string& image_path) const {
  return {image_to_tensor(resize_image(load_image(image_path), width_, height_), options_.normalization)};
}

std::vector<Classification> ImageClassifier::postprocess(const std::vector<Tensor>& outputs) const {
  const Tensor& logits = outputs.at(0);
  const int64_t n = logits.numel();
  std::vector<float> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(element_as_double(logits, i));
  // Softmax unless the model already outputs probabilities.
  const float sum = std::accumulate(p.begin(), p.end(), 0.0f);
  const bool probabilities =
      std::all_of(p.begin(), p.end(), [](float v) { return v >= 0 && v <= 1; }) && std::fabs(sum - 1.0f) < 1e-3f;
  if (!probabilities && n > 0) {
    const float m = *std::max_element(p.begin(), p.end());
    float z = 0;
    for (float& v : p) z += (v = std::exp(v - m));
    for (float& v : p) v /= z;
  }
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  const size_t k = std::min<size_t>(static_cast<size_t>(std::max(options_.top_k, 1)), order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](int64_t a, int64_t b) { return p[a] > p[b]; });
  std::vector<Classification> result;
  for (size_t i = 0; i < k; ++i) {
    const int64_t idx = order[i];
    result.push_back(
        {idx, p[idx],
         idx < static_cast<int64_t>(options_.labels.size()) ? options_.labels[idx] : "class " + std::to_string(idx)});
  }
  return result;
}

std::vector<std::string> read_labels(const std::string& path) {
  check_regular_file(path);
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kIo, "cannot read labels " + path);
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  return labels;
}

}  // namespace piu
