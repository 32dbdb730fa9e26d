// Opens a model with an installed piu: loads and inspects it (public ONNX model type), then runs it
// on ONNX Runtime with random inputs and prints each output's shape.
#include <piu/onnx.hpp>
#include <piu/session.hpp>
#include <piu/version.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer MODEL.onnx\n";
    return 2;
  }
  try {
    const piu::OnnxModel model = piu::OnnxModel::load(argv[1]);
    std::cout << "piu " << piu::version() << ": " << model.proto().graph().node_size() << " nodes\n";
    auto session = piu::Session::open(argv[1], {.intra_op_num_threads = 1});
    const auto outputs = session->run(piu::make_random_inputs(session->inputs(), {}, 2));
    for (size_t i = 0; i < outputs.size(); ++i)
      std::cout << session->outputs()[i].name << " " << piu::shape_to_string(outputs[i].shape()) << "\n";
  } catch (const piu::Error& e) {
    std::cerr << "consumer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
