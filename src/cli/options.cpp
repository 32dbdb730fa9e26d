#include "cli/options.hpp"

#include <charconv>
#include <sstream>

namespace piu::cli {

namespace {

// One table for all subcommands. Keep entries sorted by name.
const std::vector<Option>& table() {
  static const std::vector<Option> options = {
      {"--atol", "", "X", "absolute tolerance (default 1e-4)"},
      {"--backend", "", "NAME", "backend: auto (default), ort"},
      {"--backend-b", "", "NAME", "backend of the second model (default: --backend)"},
      {"--batch", "-b", "N[,N...]", "batch size(s) for a dynamic first dim (default 1)"},
      {"--bgr", "", "", "image channel order BGR instead of RGB"},
      {"--block-nodes", "", "A,B,...", "node names that stay float32"},
      {"--block-ops", "", "A,B,...", "op types that stay float32 (default: the built-in list; 'none' for an empty list)"},
      {"--cache", "", "FILE", "TensorRT calibration cache to write (default: the model's stem + .trt.int8calibration beside it)"},
      {"--data", "", "DIR", "calibration data: a folder of .npy files (one item or one batch each) or of images"},
      {"--digits", "", "N", "decimal places weights are rounded to (default 16: values below 5e-17 become 0)"},
      {"--duration", "", "SECONDS", "timed run length per batch size (default 3)"},
      {"--exclude", "", "NODE[,NODE...]", "nodes kept in float", true},
      {"--fixed-point", "", "", "repeat the pass list until nothing changes"},
      {"--from-cache", "", "FILE", "take activation ranges from a TensorRT calibration cache instead of calibrating"},
      {"--image-size", "", "HxW", "resize images to this (default: the model input's static size)"},
      {"--input", "-i", "[NAME=]FILE.npy",
       "input tensor from a .npy file; unnamed means the first input; others are random", true},
      {"--input-shape", "", "NAME:DIMS", "fix an input's shape (-1 keeps a dim dynamic), e.g. input:1x3x224x224", true},
      {"--inter-threads", "", "N", "ONNX Runtime inter_op_num_threads (0 = let the runtime choose)"},
      {"--iterations", "-n", "N", "exact number of timed runs per batch size (instead of --duration)"},
      {"--json", "", "", "print JSON instead of a table"},
      {"--keep-io-types", "", "", "keep float32 graph inputs and outputs (Cast nodes at the boundary)"},
      {"--list-passes", "", "", "print every pass with a one-line description and exit"},
      {"--max-error", "", "DB|X", "accuracy target: output SQNR in dB ('30db') or relative RMS error (0.03); the most sensitive layers stay float until it is met"},
      {"--max-fold-bytes", "", "N", "largest folded constant, in bytes (default 16 MiB); larger values stay computed"},
      {"--max-item-shape", "", "DIMS", "largest calibration item, e.g. 3x224x224; smaller items are zero-padded"},
      {"--mean", "", "A,B,C", "per-channel mean after scaling pixels to [0, 1] (default 0.485,0.456,0.406)"},
      {"--method", "", "NAME", "calibration method: entropy (default), minmax, percentile"},
      {"--nhwc", "", "", "items are HxWxC (default CxHxW)"},
      {"--no-verify", "", "", "skip running the input and the result on ONNX Runtime and comparing outputs"},
      {"--optimization", "", "LEVEL", "runtime graph optimization: disabled, basic, extended, all (default)"},
      {"--output", "-o", "PATH", "where to write the result"},
      {"--passes", "-p", "A,B,...", "passes to run, in order (default: the seed's 24 passes; see --list-passes)"},
      {"--per-tensor", "", "", "one scale per weight tensor instead of per output channel"},
      {"--percentile", "", "P", "percentile method: share of |x| kept (default 99.999)"},
      {"--pixel-scale", "", "X", "pixel values are multiplied by this before mean/std (default 1/255)"},
      {"--rtol", "", "X", "relative tolerance (default 1e-3)"},
      {"--seed", "", "N", "seed of random inputs (default 0)"},
      {"--sensitivity-runs", "", "N", "with --max-error: model runs spent measuring layer sensitivity (default 64; with more layers, spans are measured and split; 0 = every layer alone)"},
      {"--shape", "-s", "[NAME:]DIMS", "shape of an input with dynamic dims, e.g. input:1x3x224x224", true},
      {"--skip-optimize", "", "", "do not run the optimizer's passes between folding rounds"},
      {"--std", "", "A,B,C", "per-channel std (default 0.229,0.224,0.225)"},
      {"--target", "", "NAME", "int8 format for: ort (uint8 activations with zero points, default) or tensorrt (symmetric int8)"},
      {"--threads", "-t", "N", "ONNX Runtime intra_op_num_threads (0 = let the runtime choose)"},
      {"--warmup", "", "N", "untimed runs before timing (default 10)"},
  };
  return options;
}

[[noreturn]] void usage_error(const Command& c, const std::string& what) {
  throw Error(ErrorCode::kBadInput, what + " (see 'piu " + c.name + " --help')");
}

}  // namespace

const Option& shared_option(const std::string& name) {
  for (const auto& o : table())
    if (o.name == name) return o;
  throw Error(ErrorCode::kInternal, "no shared option " + name);
}

std::vector<Option> shared_options(const std::vector<std::string>& names) {
  std::vector<Option> out;
  for (const auto& n : names) out.push_back(shared_option(n));
  return out;
}

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

int64_t Args::get_int(const std::string& name, int64_t fallback) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size())
    throw Error(ErrorCode::kBadInput, "option " + name + ": '" + v + "' is not an integer");
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
  out << "  -h, --help" << std::string(width > 8 ? width - 8 + 2 : 2, ' ') << "show this help\n";
  return out.str();
}

}  // namespace piu::cli
