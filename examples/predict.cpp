// Classifying digit images with a model trained by `fovea train --save model.safetensors`, the
// way a program that embeds fovea would: load once, then classify files or pixels in memory.
//
//   usage: predict MODEL.safetensors IMAGE...   (PNG, JPEG, BMP or PGM, any size)
#include <cstdio>
#include <exception>

#include "fovea/fovea.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.safetensors IMAGE...\n", argv[0]);
    return 2;
  }
  try {
    fovea::inference::Classifier classifier(argv[1]);
    for (int i = 2; i < argc; ++i) {
      // Decodes the file, prepares it as MNIST's digits were (centred 20x20 in 28x28), classifies.
      fovea::inference::Prediction p = classifier.classify_file(argv[i]);
      std::printf("%s: %lld (p=%.3f)\n", argv[i], static_cast<long long>(p.label), p.probability);
    }
    // Pixels already in memory: 28 x 28 floats in [0, 1], white digit on black, as MNIST's.
    fovea::Tensor stroke = fovea::zeros({28, 28});
    for (int y = 6; y < 22; ++y) stroke.data()[y * 28 + 14] = 1.0f;  // a vertical stroke: a 1
    std::printf("a drawn stroke: %lld\n", static_cast<long long>(classifier.classify(stroke).label));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "predict: %s\n", e.what());
    return 1;
  }
  return 0;
}
