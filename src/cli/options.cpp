#include "cli/options.hpp"

#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <sstream>
#include <thread>

#include "piu/session.hpp"

namespace piu::cli {

namespace {

struct Entry {
  std::string key;
  Option option;
};

// One table for all subcommands. Keep entries sorted by key. "{}" marks where the declaring
// command's default goes (see option(key, value)).
const std::vector<Entry>& table() {
  static const std::vector<Entry> entries = {
      {"--atol", {"--atol", "", "X", "absolute tolerance (default {})"}},
      {"--backend", {"--backend", "", "NAME", "backend: " + backend_names()}},
      {"--device", {"--device", "", "DEVICE", "where the model runs: cpu, cuda, cuda:N (default cpu)"}},
      {"--device-b", {"--device-b", "", "DEVICE", "where the second model runs (default: --device)"}},
      {"--provider-option", {"--provider-option", "", "KEY=VALUE", "a backend option: for a GPU device (ort, by ONNX Runtime's CUDA provider's names: cudnn_conv_algo_search=HEURISTIC, enable_cuda_graph=1, prefer_nhwc=1, ...; torch: dtype=float16|bfloat16, channels_last=1, cuda_graph=1, tf32=1, cudnn_benchmark=1; aoti: cuda_graph=1, tf32=1, cudnn_benchmark=1; tensorrt: trt_fp16_enable=1, ... to TensorRT, the rest to CUDA); ort on the CPU: cpu_mem_arena=0, mem_pattern=0", true}},
      {"--provider-option-b", {"--provider-option-b", "", "KEY=VALUE", "a backend option of the second model (default: --provider-option, unless --device-b is given)", true}},
      {"--backend-b", {"--backend-b", "", "NAME", "backend of the second model (default: --backend)"}},
      {"--batch", {"--batch", "-b", "N[,N...]", "batch size(s) for a dynamic first dim (default {})"}},
      {"--batch:calibration", {"--batch", "-b", "N", "calibration items per batch (the seed's stream_batch_size; default {})"}},
      {"--batch:verify", {"--batch", "-b", "N[,N...]", "batch sizes the result is verified at (default {})"}},
      {"--bench-batch", {"--bench-batch", "", "N[,N...]", "batch sizes to benchmark at (default {})"}},
      {"--bgr", {"--bgr", "", "", "image channel order BGR instead of RGB"}},
      {"--block-nodes", {"--block-nodes", "", "A,B,...", "node names that stay float32"}},
      {"--block-ops", {"--block-ops", "", "A,B,...", "op types that stay float32 (default: the built-in list; 'none' for an empty list)"}},
      {"--cache", {"--cache", "", "FILE", "TensorRT calibration cache to write (default: the model's stem + .trt.int8calibration beside it)"}},
      {"--cache:also", {"--cache", "", "FILE", "also write the ranges as a TensorRT calibration cache here"}},
      {"--calibration-batch", {"--calibration-batch", "", "N", "calibration items per batch (default {})"}},
      {"--data", {"--data", "", "DIR", "calibration data: a folder of .npy files (one item or one batch each), of .npz files (an array per input name, for models of several inputs) or of images"}},
      {"--digits", {"--digits", "", "N", "decimal places weights are rounded to (default {})"}},
      {"--duration", {"--duration", "", "SECONDS", "timed run length of each benchmark (default {})"}},
      {"--exclude", {"--exclude", "", "NODE[,NODE...]", "nodes kept in float", true}},
      {"--fixed-point", {"--fixed-point", "", "", "repeat the pass list until nothing changes"}},
      {"--fp16", {"--fp16", "", "", "convert to float16 (float32 inputs and outputs kept); verified at --rtol {} or more"}},
      {"--from-cache", {"--from-cache", "", "FILE", "take activation ranges from a TensorRT calibration cache instead of calibrating"}},
      {"--image-size", {"--image-size", "", "HxW", "resize images to this (default: the model input's static size)"}},
      {"--input", {"--input", "-i", "[NAME=]FILE.npy|FILE.npz", "input tensor from a .npy file (unnamed: the first input), or every input of an .npz by name; others are random", true}},
      {"--input-names", {"--input-names", "", "A,B", "ONNX input names of the export (default: the --shape names, else forward()'s argument names; one argument x or input is input)"}},
      {"--input-shape", {"--input-shape", "", "NAME:DIMS", "fix an input's shape (-1 keeps a dim dynamic), e.g. input:1x3x224x224", true}},
      {"--input:verify", {"--input", "-i", "[NAME=]FILE.npy|FILE.npz", "verify on this input instead of random values (unnamed: the first input; an .npz gives inputs by name); one run at its shapes, inputs not given random", true}},
      {"--int-range", {"--int-range", "", "NAME:LO:HI", "random values of an integer input: LO <= v < HI (default: below the size of the embedding table it indexes, else 0 or 1)", true}},
      {"--int8", {"--int8", "", "", "quantize to int8 (Q/DQ) calibrated on --data; verified by output SQNR (default {} dB)"}},
      {"--inter-threads", {"--inter-threads", "", "N", "ONNX Runtime inter_op_num_threads (0 = let the runtime choose; at most 4 x the cores)"}},
      {"--io", {"--io", "", "host|device", "GPU sessions: inputs and outputs in host memory, copied by each run (default), or in device memory"}},
      {"--iterations", {"--iterations", "-n", "N", "exact number of timed runs per batch size (instead of --duration)"}},
      {"--json", {"--json", "", "", "print JSON instead of a table"}},
      {"--keep-initializers-as-inputs", {"--keep-initializers-as-inputs", "", "", "list the weights as graph inputs too"}},
      {"--keep-io-types", {"--keep-io-types", "", "", "keep float32 graph inputs and outputs (Cast nodes at the boundary)"}},
      {"--list-converters", {"--list-converters", "", "", "print every op kind that has a converter (one a line, or JSON with --json) and exit"}},
      {"--list-passes", {"--list-passes", "", "", "print every pass with a one-line description and exit"}},
      {"--max-error", {"--max-error", "", "DB|X", "accuracy target: output SQNR in dB ('30db') or relative RMS error (0.03); the most sensitive layers stay float until it is met"}},
      {"--max-fold-bytes", {"--max-fold-bytes", "", "N", "largest folded constant, in bytes (default {}); larger values stay computed"}},
      {"--max-item-shape", {"--max-item-shape", "", "DIMS", "largest calibration item, e.g. 3x224x224; smaller items are zero-padded"}},
      {"--min-sqnr", {"--min-sqnr", "", "DB", "pass by output SQNR in dB instead of --atol/--rtol (for reduced precision, e.g. 40)"}},
      {"--mean", {"--mean", "", "A,B,C", "per-channel mean after scaling pixels to [0, 1] (default {})"}},
      {"--method", {"--method", "", "NAME", "calibration method: entropy, minmax, percentile (default {})"}},
      {"--nhwc", {"--nhwc", "", "", "items are HxWxC instead of CxHxW"}},
      {"--no-bench", {"--no-bench", "", "", "skip the latency comparison"}},
      {"--no-constant-folding", {"--no-constant-folding", "", "", "keep constant computations (the seed's do_constant_folding=False)"}},
      {"--no-optimize", {"--no-optimize", "", "", "skip the optimizer's passes"}},
      {"--no-round-weights", {"--no-round-weights", "", "", "skip rounding the weights"}},
      {"--no-simplify", {"--no-simplify", "", "", "skip the simplifier"}},
      {"--no-verify", {"--no-verify", "", "", "skip running the input and the result and comparing outputs"}},
      {"--no-verify:sqnr", {"--no-verify", "", "", "skip measuring the output SQNR against the float model"}},
      {"--opset", {"--opset", "", "N", "ONNX opset of the export, 11 to 21 (default {})"}},
      {"--optimization", {"--optimization", "", "LEVEL", "runtime graph optimization: disabled, basic, extended, all (default all)"}},
      {"--output", {"--output", "-o", "PATH", "where to write the result"}},
      {"--output-names", {"--output-names", "", "A,B", "ONNX output names of the export (default: output, or output_0, ...)"}},
      {"--output:dir", {"--output", "-o", "DIR", "folder for model.onnx, report.md and latency.png (created)"}},
      {"--passes", {"--passes", "-p", "A,B,...", "passes to run, in order (default: the seed's {} passes; see --list-passes)"}},
      {"--per-tensor", {"--per-tensor", "", "", "one scale per weight tensor instead of per output channel"}},
      {"--percentile", {"--percentile", "", "P", "percentile method: share of |x| kept (default {})"}},
      {"--pixel-scale", {"--pixel-scale", "", "X", "pixel values are multiplied by this before mean/std (default {})"}},
      {"--rounds", {"--rounds", "", "N", "alternating before/after benchmark runs per batch (default {})"}},
      {"--rtol", {"--rtol", "", "X", "relative tolerance (default {})"}},
      {"--seed", {"--seed", "", "N", "seed of random inputs (default {})"}},
      {"--sensitivity-runs", {"--sensitivity-runs", "", "N", "with --max-error: model runs spent measuring layer sensitivity (default {}; with more layers, spans are measured and split; 0 = every layer alone)"}},
      {"--shape", {"--shape", "-s", "[NAME:]DIMS", "shape of an input with dynamic dims, e.g. input:1x3x224x224", true}},
      {"--shape:deploy", {"--shape", "-s", "[NAME:]DIMS[:DTYPE]", "input shape: -1 dims dynamic (required for a TorchScript input, with its dtype where needed: ids:-1x128:int64), e.g. -1x3x224x224", true}},
      {"--shape:export", {"--shape", "-s", "[NAME:]DIMS[:DTYPE]", "an input's shape, -1 for dynamic dims, e.g. input:-1x3x224x224 (one per input); a dtype (ids:-1x128:int64) types the input, which the file does not record (default: inferred from its use); a dim may be a name, shared by the inputs naming it (ids:[batch, seq]:int64 and mask:[batch, seq]; dims holding names are separated by ','): unnamed dynamic dims are 'batch' (dim 0) and NAME_dimD", true}},
      {"--skip-optimize", {"--skip-optimize", "", "", "do not run the optimizer's passes between folding rounds"}},
      {"--std", {"--std", "", "A,B,C", "per-channel std (default {})"}},
      {"--target", {"--target", "", "NAME", "int8 format for: ort (uint8 activations with zero points) or tensorrt (symmetric int8) (default {})"}},
      {"--threads", {"--threads", "-t", "N", "ONNX Runtime intra_op_num_threads (0 = let the runtime choose; at most 4 x the cores)"}},
      {"--verify-shape", {"--verify-shape", "", "[NAME:]DIMS", "shape to verify at when dims other than the batch are dynamic"}},
      {"--warmup", {"--warmup", "", "N", "untimed runs before timing (default {})"}},
  };
  return entries;
}

const Option& entry(const std::string& key) {
  for (const auto& e : table())
    if (e.key == key) return e.option;
  throw Error(ErrorCode::kInternal, "no shared option " + key);
}

bool takes_default(const Option& o) { return o.help.find("{}") != std::string::npos; }

[[noreturn]] void usage_error(const Command& c, const std::string& what) {
  throw Error(ErrorCode::kBadInput, what + " (see 'piu " + c.name + " --help')");
}

// Thread counts past 4x the machine's cores only make threads (one user asked for 100,000 and got
// 20,609 of them): refused here, in the one parser every command with --threads goes through.
void check_thread_counts(const Args& args) {
  const int64_t cores = std::max<int64_t>(1, std::thread::hardware_concurrency());
  for (const char* name : {"--threads", "--inter-threads"}) {
    if (!args.has(name)) continue;
    const int64_t n = args.get_int(name, 0);
    if (n < 0)
      throw Error(ErrorCode::kBadInput, fmt::format("option {}: {} is negative (0 = let the runtime choose)", name, n));
    if (n > 4 * cores)
      throw Error(ErrorCode::kBadInput, fmt::format("option {}: {} threads is more than 4 x the {} cores of this "
                                                    "machine (at most {})",
                                                    name, n, cores, 4 * cores));
  }
}

}  // namespace

Option option(const std::string& key) {
  const Option& o = entry(key);
  if (takes_default(o)) throw Error(ErrorCode::kInternal, "option " + key + " is declared without its default");
  return o;
}

Option option_with_default(const std::string& key, const std::string& default_value) {
  Option o = entry(key);
  const size_t at = o.help.find("{}");
  if (at == std::string::npos) throw Error(ErrorCode::kInternal, "option " + key + " has no default to show");
  o.help.replace(at, 2, default_value);
  return o;
}

std::string default_text(const std::string& value) { return value; }

std::string default_text(const std::vector<int64_t>& values) { return fmt::format("{}", fmt::join(values, ",")); }

std::string default_text(const std::array<float, 3>& values) { return fmt::format("{}", fmt::join(values, ",")); }

std::vector<Option> options(const std::vector<std::string>& keys) {
  std::vector<Option> out;
  for (const auto& k : keys) out.push_back(option(k));
  return out;
}

std::string backend_names() { return fmt::format("auto (default), {}", fmt::join(piu::backend_names(), ", ")); }

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

double Args::get_double(const std::string& name, double fallback) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size()) return d;
  } catch (const std::exception&) {
  }
  throw Error(ErrorCode::kBadInput, "option " + name + ": '" + v + "' is not a number");
}

namespace {
// The floor of options that mean the same in every command: a batch of 0 or a negative thread count
// is never meant (a batch of 0 ran and wrote empty outputs; -t -1 was passed to the runtime).
int64_t minimum_of(const std::string& name) {
  if (name == "--batch") return 1;
  if (name == "--threads" || name == "--inter-threads" || name == "--warmup") return 0;
  return std::numeric_limits<int64_t>::min();
}
}  // namespace

int64_t Args::get_int(const std::string& name, int64_t fallback) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size())
    throw Error(ErrorCode::kBadInput, "option " + name + ": '" + v + "' is not an integer");
  if (out < minimum_of(name))
    throw Error(ErrorCode::kBadInput, "option " + name + ": " + v + " is below " + std::to_string(minimum_of(name)));
  return out;
}

std::vector<std::string> Args::get_list(const std::string& name) const {
  std::vector<std::string> out;
  std::stringstream ss(get(name));
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<int64_t> Args::get_int_list(const std::string& name, const std::vector<int64_t>& fallback) const {
  if (!has(name)) return fallback;
  std::vector<int64_t> out;
  for (const std::string& v : all(name)) {
    std::stringstream ss(v);
    for (std::string item; std::getline(ss, item, ',');) {
      int64_t n = 0;
      auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
      if (ec != std::errc() || ptr != item.data() + item.size() || n <= 0)
        throw Error(ErrorCode::kBadInput, "option " + name + ": '" + item + "' is not a positive integer");
      out.push_back(n);
    }
  }
  if (out.empty()) throw Error(ErrorCode::kBadInput, "option " + name + " is empty");
  return out;
}

std::vector<ShapeSpec> Args::shapes() const {
  std::vector<ShapeSpec> out;
  for (const auto& v : all("--shape"))
    for (auto& s : parse_shape_specs(v)) out.push_back(std::move(s));
  return out;
}

Args parse_args(const Command& command, const std::vector<std::string>& args) {
  Args out;
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positional || a.size() < 2 || a[0] != '-' || (a[1] >= '0' && a[1] <= '9')) {
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      out.help = true;
      continue;
    }
    std::string name = a, value;
    bool inline_value = false;
    if (size_t eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    const Option* opt = nullptr;
    for (const auto& o : command.options)
      if (o.name == name || (!o.short_name.empty() && o.short_name == name)) opt = &o;
    if (!opt) usage_error(command, "unknown option '" + name + "' for 'piu " + command.name + "'");
    if (opt->value.empty()) {
      if (inline_value) usage_error(command, "option " + opt->name + " takes no value");
      out.values_[opt->name].push_back("");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) usage_error(command, "option " + opt->name + " needs a value " + opt->value);
      value = args[++i];
    }
    auto& slot = out.values_[opt->name];
    if (!slot.empty() && !opt->repeatable) usage_error(command, "option " + opt->name + " given twice");
    slot.push_back(value);
  }
  if (out.help) return out;
  check_thread_counts(out);
  if (out.positional.size() < command.min_positional)
    usage_error(command, "missing argument: piu " + command.name + " " + command.synopsis);
  if (out.positional.size() > command.max_positional)
    usage_error(command, "unexpected argument '" + out.positional[command.max_positional] + "'");
  return out;
}

std::string format_help(const Command& command) {
  std::ostringstream out;
  out << "usage: piu " << command.name << " " << command.synopsis << "\n\n" << command.summary << "\n";
  if (!command.options.empty()) out << "\noptions:\n";
  size_t width = 0;
  std::vector<std::string> lefts;
  for (const auto& o : command.options) {
    std::string left =
        (o.short_name.empty() ? "    " : o.short_name + ", ") + o.name + (o.value.empty() ? "" : " " + o.value);
    width = std::max(width, left.size());
    lefts.push_back(left);
  }
  for (size_t i = 0; i < command.options.size(); ++i)
    out << "  " << lefts[i] << std::string(width - lefts[i].size() + 2, ' ') << command.options[i].help
        << (command.options[i].repeatable ? " (repeatable)" : "") << "\n";
  const std::string help_left = "-h, --help";
  out << "  " << help_left << std::string(std::max(width, help_left.size()) - help_left.size() + 2, ' ')
      << "show this help\n";
  return out.str();
}

}  // namespace piu::cli
