// The CLI's option table: every subcommand declares its options from one shared table, so an
// option that means the same thing is spelled and documented the same everywhere.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "piu/core.hpp"

namespace piu::cli {

struct Option {
  std::string name;        // "--atol"
  std::string short_name;  // "-o" or ""
  std::string value;       // "FILE" for options taking a value, "" for flags
  std::string help;
  bool repeatable = false;
};

// The shared table: returns the option with this long name ("--shape"). Throws kInternal if absent.
const Option& shared_option(const std::string& name);
// Several shared options at once.
std::vector<Option> shared_options(const std::vector<std::string>& names);

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

}  // namespace piu::cli
