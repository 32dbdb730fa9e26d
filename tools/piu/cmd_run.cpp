#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/session_args.hpp"
#include "commands.hpp"
#include "piu/session.hpp"

namespace piu::cli {

namespace {

struct Stats {
  double min = 0, max = 0, mean = 0;
};

Stats stats_of(const Tensor& t) {
  Stats s;
  if (t.numel() == 0) return s;
  s.min = s.max = element_as_double(t, 0);
  double sum = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = element_as_double(t, i);
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    sum += v;
  }
  s.mean = sum / static_cast<double>(t.numel());
  return s;
}

std::string head_values(const Tensor& t, int count) {
  std::ostringstream out;
  out << "[";
  for (int64_t i = 0; i < std::min<int64_t>(count, t.numel()); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.5g", i ? ", " : "", element_as_double(t, i));
    out << buf;
  }
  out << (t.numel() > count ? ", ...]" : "]");
  return out.str();
}

int run_main(const Args& args) {
  const std::string& path = args.positional[0];
  // Check the output folder before spending time on the model.
  const std::string out_dir = args.get("--output");
  if (!out_dir.empty() && std::filesystem::exists(out_dir) && !std::filesystem::is_directory(out_dir))
    throw Error(ErrorCode::kBadInput, "--output " + out_dir + " exists and is not a folder");
  auto session = Session::open(path, session_options_from(args));
  const std::vector<Tensor> inputs = inputs_from(*session, args, args.get_int("--batch", 1));
  const std::vector<Tensor> outputs = session->run(inputs);

  if (!out_dir.empty()) {
    std::filesystem::create_directories(out_dir);
    for (size_t i = 0; i < outputs.size(); ++i)
      write_npy((std::filesystem::path(out_dir) / (file_name_for(session->outputs()[i].name) + ".npy")).string(),
                outputs[i]);
  }
  if (args.has("--json")) {
    nlohmann::ordered_json j;
    j["model"] = path;
    j["backend"] = session->backend();
    for (size_t i = 0; i < inputs.size(); ++i)
      j["inputs"].push_back({{"name", session->inputs()[i].name},
                             {"dtype", dtype_name(inputs[i].dtype())},
                             {"shape", inputs[i].shape()}});
    for (size_t i = 0; i < outputs.size(); ++i) {
      const Stats s = stats_of(outputs[i]);
      j["outputs"].push_back({{"name", session->outputs()[i].name},
                              {"dtype", dtype_name(outputs[i].dtype())},
                              {"shape", outputs[i].shape()},
                              {"min", s.min},
                              {"max", s.max},
                              {"mean", s.mean}});
    }
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "model   " << path << " (" << session->backend() << ")\n";
  for (size_t i = 0; i < inputs.size(); ++i)
    std::cout << "input   " << session->inputs()[i].name << "  " << dtype_name(inputs[i].dtype()) << "  "
              << shape_to_string(inputs[i].shape()) << "\n";
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Stats s = stats_of(outputs[i]);
    char buf[128];
    std::snprintf(buf, sizeof buf, "min %.5g  max %.5g  mean %.5g", s.min, s.max, s.mean);
    std::cout << "output  " << session->outputs()[i].name << "  " << dtype_name(outputs[i].dtype()) << "  "
              << shape_to_string(outputs[i].shape()) << "  " << buf << "  " << head_values(outputs[i], 5) << "\n";
  }
  if (!out_dir.empty()) std::cout << "wrote " << outputs.size() << " output(s) to " << out_dir << "\n";
  return kExitOk;
}

}  // namespace

const Subcommand& run_command() {
  static const Subcommand sub{
      {"run", "MODEL [--input NAME=FILE.npy ...] [--shape NAME:DIMS] [-o DIR]",
       "Run a model once and print its outputs; inputs not given are random (-o DIR writes each output as .npy).",
       shared_options({"--input", "--shape", "--batch", "--seed", "--output", "--backend", "--threads",
                       "--inter-threads", "--optimization", "--json"}),
       1, 1},
      run_main};
  return sub;
}

}  // namespace piu::cli
