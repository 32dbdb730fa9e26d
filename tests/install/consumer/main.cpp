// Opens a model with an installed piu: loads and inspects it (public ONNX model type), runs it on
// ONNX Runtime with random inputs and prints each output's shape; with a second argument, optimizes
// it into that file through the optimize job. Includes every public header, so each one must
// compile outside piu's build tree.
#include <piu/core.hpp>
#include <piu/deploy.hpp>
#include <piu/export.hpp>
#include <piu/jobs.hpp>
#include <piu/jobs_quant.hpp>
#include <piu/jobs_session.hpp>
#include <piu/model.hpp>
#include <piu/onnx.hpp>
#include <piu/passes.hpp>
#include <piu/quant.hpp>
#include <piu/session.hpp>
#include <piu/simplify.hpp>
#include <piu/version.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::cerr << "usage: consumer MODEL.onnx [OPTIMIZED.onnx]\n";
    return 2;
  }
  try {
    const piu::OnnxModel model = piu::OnnxModel::load(argv[1]);
    std::cout << "piu " << piu::version() << ": " << model.proto().graph().node_size() << " nodes\n";
    auto session = piu::Session::open(argv[1], {.intra_op_num_threads = 1});
    const auto outputs = session->run(piu::make_random_inputs(session->inputs(), {}, 2));
    for (size_t i = 0; i < outputs.size(); ++i)
      std::cout << session->outputs()[i].name << " " << piu::shape_to_string(outputs[i].shape()) << "\n";
    if (argc == 3) {
      piu::OptimizeJobOptions o;
      o.input = argv[1];
      o.write.output = argv[2];
      const piu::OptimizeJobReport r = piu::optimize_job(o);
      std::cout << "optimized: " << r.optimize.nodes_before << " -> " << r.optimize.nodes_after << " nodes, verified "
                << r.written.verified << "\n";
    }
  } catch (const piu::Error& e) {
    std::cerr << "consumer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
