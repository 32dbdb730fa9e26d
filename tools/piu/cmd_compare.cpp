#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/session_args.hpp"
#include "commands.hpp"
#include "piu/session.hpp"

namespace piu::cli {

namespace {

// Index in `infos` of each name in `names`, or by position when any name is missing.
std::vector<size_t> match(const std::vector<TensorInfo>& from, const std::vector<TensorInfo>& to,
                          const std::string& what) {
  if (from.size() != to.size())
    throw Error(ErrorCode::kBadInput, "the models have different numbers of " + what + " (" +
                                          std::to_string(from.size()) + " vs " + std::to_string(to.size()) + ")");
  std::vector<size_t> index;
  for (const auto& f : from)
    for (size_t j = 0; j < to.size(); ++j)
      if (to[j].name == f.name) index.push_back(j);
  if (index.size() != from.size()) {
    index.clear();
    for (size_t i = 0; i < from.size(); ++i) index.push_back(i);
  }
  return index;
}

int compare_main(const Args& args) {
  const std::string &path_a = args.positional[0], &path_b = args.positional[1];
  const double atol = args.get_double("--atol", 1e-4), rtol = args.get_double("--rtol", 1e-3);
  if (atol < 0 || rtol < 0) throw Error(ErrorCode::kBadInput, "--atol and --rtol must be >= 0");
  SessionOptions options_a = session_options_from(args), options_b = options_a;
  options_b.backend = args.get("--backend-b", options_a.backend);
  auto a = Session::open(path_a, options_a);
  auto b = Session::open(path_b, options_b);
  const std::vector<Tensor> inputs_a = inputs_from(*a, args, args.get_int("--batch", 1));
  const std::vector<size_t> in_map = match(a->inputs(), b->inputs(), "inputs");
  std::vector<Tensor> inputs_b(inputs_a.size());
  for (size_t i = 0; i < inputs_a.size(); ++i) inputs_b[in_map[i]] = inputs_a[i];
  const std::vector<Tensor> out_a = a->run(inputs_a);
  const std::vector<Tensor> out_b = b->run(inputs_b);
  const std::vector<size_t> out_map = match(a->outputs(), b->outputs(), "outputs");

  bool all_ok = true;
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  const bool json = args.has("--json");
  if (!json) {
    std::cout << "A " << path_a << " (" << a->backend() << ")\nB " << path_b << " (" << b->backend() << ")\n";
    std::printf("%-20s %-14s %12s %12s %12s %10s  %s\n", "output", "shape", "max abs", "max rel", "scale", "mismatch",
                "result");
  }
  for (size_t i = 0; i < out_a.size(); ++i) {
    const std::string& name = a->outputs()[i].name;
    const Tensor& ta = out_a[i];
    const Tensor& tb = out_b[out_map[i]];
    const TensorDiff d = compare_tensors(ta, tb, atol, rtol);
    all_ok = all_ok && d.ok();
    const std::string shape =
        d.shape_match ? shape_to_string(ta.shape()) : shape_to_string(ta.shape()) + "!=" + shape_to_string(tb.shape());
    if (json) {
      rows.push_back({{"output", name},
                      {"shape_a", ta.shape()},
                      {"shape_b", tb.shape()},
                      {"max_abs", d.max_abs},
                      {"max_rel", d.max_rel},
                      {"scale", d.expected_scale},
                      {"mismatches", d.mismatches},
                      {"numel", d.numel},
                      {"pass", d.ok()}});
    } else {
      std::printf("%-20s %-14s %12.4g %12.4g %12.4g %10lld  %s\n", name.c_str(), shape.c_str(), d.max_abs, d.max_rel,
                  d.expected_scale, static_cast<long long>(d.mismatches), d.ok() ? "PASS" : "FAIL");
    }
  }
  if (json) {
    nlohmann::ordered_json j;
    j["a"] = path_a;
    j["b"] = path_b;
    j["atol"] = atol;
    j["rtol"] = rtol;
    j["outputs"] = rows;
    j["pass"] = all_ok;
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf("%s (atol %g, rtol %g)\n", all_ok ? "PASS" : "FAIL", atol, rtol);
  }
  return all_ok ? kExitOk : kExitCompareFailed;
}

}  // namespace

const Subcommand& compare_command() {
  static const Subcommand sub{
      {"compare", "A B [--input ...] [--atol X --rtol X] [--json]",
       "Run two models (or one model on two backends) on the same inputs and report per-output max abs/rel error; "
       "exit 1 when an output differs beyond |a-b| <= atol + rtol*|b|.",
       shared_options({"--input", "--shape", "--batch", "--seed", "--atol", "--rtol", "--backend", "--backend-b",
                       "--threads", "--inter-threads", "--optimization", "--json"}),
       2, 2},
      compare_main};
  return sub;
}

}  // namespace piu::cli
