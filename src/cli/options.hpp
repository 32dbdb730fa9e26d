// The CLI's option table: every subcommand declares its options from one shared table, so an
// option that means the same thing is spelled and documented the same everywhere.
#pragma once

#include <array>
#include <concepts>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "piu/core.hpp"

namespace piu::cli {

struct Option {
  std::string name;        // "--atol"
  std::string short_name;  // "-o" or ""
  std::string value;       // "FILE" for options taking a value, "" for flags
  std::string help;
  bool repeatable = false;
};

// The shared table holds every option of every command, each under a key: its long name
// ("--shape"), or the name and the meaning it has in some commands ("--batch:calibration" is the
// --batch of calibrate and quantize). A help text with "{}" takes the declaring command's default.

// The option under `key`. Throws kInternal when the key is unknown or its help needs a default.
Option option(const std::string& key);
// The option under `key`, its help's "{}" replaced by `default_value` (a command's own default).
// Throws kInternal when the key is unknown or its help has no place for a default.
Option option_with_default(const std::string& key, const std::string& default_value);
// The help text of a default value: numbers as fmt's {:g} / integers, lists joined with ','.
template <std::floating_point T>
std::string default_text(T value) {
  return fmt::format("{:g}", value);
}
template <std::integral T>
std::string default_text(T value) {
  return std::to_string(value);
}
std::string default_text(const std::string& value);
std::string default_text(const std::vector<int64_t>& values);
std::string default_text(const std::array<float, 3>& values);
// option_with_default(key, default_text(value)): the help shows the value the code uses.
template <class T>
Option option(const std::string& key, const T& value) {
  return option_with_default(key, default_text(value));
}
// Several options without defaults at once.
std::vector<Option> options(const std::vector<std::string>& keys);

struct Command {
  std::string name;      // "run"
  std::string synopsis;  // "MODEL [options]"
  std::string summary;   // one line
  std::vector<Option> options;
  size_t min_positional = 0;
  size_t max_positional = 0;
};

class Args {
 public:
  std::vector<std::string> positional;
  bool help = false;

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // The last value of an option, or `fallback` when absent.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> all(const std::string& name) const;
  // Typed getters; a malformed value throws kBadInput naming the option.
  double get_double(const std::string& name, double fallback) const;
  int64_t get_int(const std::string& name, int64_t fallback) const;
  // "a,b,,c" -> {"a", "b", "c"} (empty items dropped); empty when absent.
  std::vector<std::string> get_list(const std::string& name) const;
  // "1,8,32" -> {1, 8, 32}.
  std::vector<int64_t> get_int_list(const std::string& name, const std::vector<int64_t>& fallback) const;
  // Every --shape value parsed (each may hold several specs).
  std::vector<ShapeSpec> shapes() const;

  std::map<std::string, std::vector<std::string>> values_;
};

// Parses `args` (after the subcommand name) against the command's options. "--name=value" and
// "--name value" are both accepted. Unknown options, missing values and a wrong number of
// positional arguments throw kBadInput with a hint to --help.
Args parse_args(const Command& command, const std::vector<std::string>& args);
// The command's --help text.
std::string format_help(const Command& command);
// The backends --backend accepts: auto, every registered backend and every plugin of this build.
std::string backend_names();

}  // namespace piu::cli
