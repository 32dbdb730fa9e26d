// Classifies images with piu::ImageClassifier, the example Model subclass:
//   classify_image MODEL.onnx IMAGE... [--labels FILE] [--top-k N]
#include <cstdio>
#include <iostream>

#include "piu/model.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> images;
  std::string model_path, labels_path;
  piu::ImageClassifierOptions options;
  options.top_k = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--labels" && i + 1 < argc)
      labels_path = argv[++i];
    else if (a == "--top-k" && i + 1 < argc)
      options.top_k = std::atoi(argv[++i]);
    else if (model_path.empty())
      model_path = a;
    else
      images.push_back(a);
  }
  if (model_path.empty() || images.empty()) {
    std::cerr << "usage: classify_image MODEL.onnx IMAGE... [--labels FILE] [--top-k N]\n";
    return 2;
  }
  try {
    if (!labels_path.empty()) options.labels = piu::read_labels(labels_path);
    piu::ImageClassifier classifier(model_path, options);
    const auto results = classifier.run_batch(images);
    for (size_t i = 0; i < images.size(); ++i) {
      std::cout << images[i] << "\n";
      for (const auto& c : results[i]) std::printf("  %-12s %6.2f%%\n", c.label.c_str(), 100.0 * c.score);
    }
  } catch (const piu::Error& e) {
    std::cerr << "classify_image: error: " << e.what() << "\n";
    return e.code() == piu::ErrorCode::kBackend || e.code() == piu::ErrorCode::kInternal ? 3 : 2;
  }
  return 0;
}
