#include <gtest/gtest.h>

#include "piu/model.hpp"
#include "test_util.hpp"

TEST(ImageClassifier, ClassifiesTheDemoImages) {
  const std::string model = piu::test::model_path("shapes.onnx");
  PIU_REQUIRE_MODEL(model);
  piu::ImageClassifierOptions options;
  options.labels = piu::read_labels(piu::test::model_path("shapes.labels.txt"));
  options.top_k = 2;
  piu::ImageClassifier classifier(model, options);
  const std::vector<std::string> names = {"circle", "square", "triangle"};
  std::vector<std::string> images;
  for (const auto& n : names) images.push_back(piu::test::model_path(n + ".png"));
  for (size_t i = 0; i < names.size(); ++i) {
    auto top = classifier.run(images[i]);
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(top[0].label, names[i]);
    EXPECT_GT(top[0].score, 0.5f);
    EXPECT_GE(top[0].score, top[1].score);
  }
  // One batched backend call gives the same answers as item-by-item runs.
  auto batched = classifier.run_batch(images);
  ASSERT_EQ(batched.size(), 3u);
  for (size_t i = 0; i < names.size(); ++i) {
    auto single = classifier.run(images[i]);
    EXPECT_EQ(batched[i][0].index, single[0].index);
    EXPECT_NEAR(batched[i][0].score, single[0].score, 1e-5);
  }
}

TEST(ImageClassifier, RejectsUnreadableImagesAndWrongModels) {
  const std::string model = piu::test::model_path("shapes.onnx");
  PIU_REQUIRE_MODEL(model);
  piu::ImageClassifier classifier(model);
  try {
    classifier.run(model);  // an ONNX file is no image
    FAIL();
  } catch (const piu::Error& e) {
    EXPECT_EQ(e.code(), piu::ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("cannot decode image"), std::string::npos) << e.what();
  }
  const std::string multi = piu::test::model_path("cases/multi_io.onnx");
  PIU_REQUIRE_MODEL(multi);
  EXPECT_THROW(piu::ImageClassifier{multi}, piu::Error);
}

TEST(Image, ResizeAndNormalize) {
  piu::Image img{2, 1, 3, {0, 0, 0, 255, 255, 255}};
  auto big = piu::resize_image(img, 4, 2);
  EXPECT_EQ(big.pixels.size(), 24u);
  EXPECT_EQ(big.pixels[0], 0);
  EXPECT_EQ(big.pixels[9], 255);
  piu::ImageNormalization norm;
  norm.mean = {0, 0, 0};
  norm.std = {1, 1, 1};
  auto t = piu::image_to_tensor(img, norm);
  EXPECT_EQ(t.shape(), (piu::Shape{1, 3, 1, 2}));
  EXPECT_FLOAT_EQ(t.data_as<float>()[1], 1.0f);
}
