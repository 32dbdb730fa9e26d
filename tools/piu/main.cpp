// piu: export, optimize, build, run and compare models. Each subcommand lives in cmd_<name>.cpp.
#include <cstdio>
#include <exception>
#include <iostream>

#include "commands.hpp"
#include "core/checked.hpp"
#include "piu/core.hpp"
#include "piu/version.hpp"

namespace {

using piu::cli::Subcommand;

const std::vector<const Subcommand*>& subcommands() {
  static const std::vector<const Subcommand*> all = {
      // clang-format off
      &piu::cli::inspect_command(),
      &piu::cli::export_command(),
      &piu::cli::run_command(),
      &piu::cli::bench_command(),
      &piu::cli::compare_command(),
      &piu::cli::optimize_command(),
      &piu::cli::simplify_command(),
      &piu::cli::round_weights_command(),
      &piu::cli::calibrate_command(),
      &piu::cli::quantize_command(),
      &piu::cli::fp16_command(),
      &piu::cli::deploy_command(),
      &piu::cli::doctor_command(),
      // clang-format on
  };
  return all;
}

// The first clause of a command's summary, for the command list.
std::string first_sentence(const std::string& text) {
  const size_t end = text.find_first_of(";,(.");
  std::string s = end == std::string::npos ? text : text.substr(0, end);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

void print_usage(std::ostream& out) {
  out << "usage: piu COMMAND [options]   (piu COMMAND --help for details)\n\ncommands:\n";
  for (const auto* s : subcommands()) {
    out << "  " << s->command.name << std::string(15 - s->command.name.size(), ' ')
        << first_sentence(s->command.summary) << "\n";
  }
  out << "\nexit status: 0 ok, 1 comparison or verification failed, 2 bad input, 3 internal error\n";
}

}  // namespace

int main(int argc, char** argv) {
  // Interrupted or terminated, piu removes its staged temp files and the folders it created.
  piu::install_signal_cleanup();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? piu::cli::kExitBadInput : piu::cli::kExitOk;
  }
  if (args[0] == "--version") {
    try {
      std::cout << "piu " << piu::version() << "\n";
      for (const auto& c : piu::component_versions())
        std::cout << "  " << c.name << std::string(c.name.size() < 14 ? 14 - c.name.size() : 1, ' ') << c.version
                  << (c.detail.empty() ? "" : " (" + c.detail + ")") << "\n";
    } catch (const piu::Error& e) {
      std::cerr << "piu --version: error: " << e.what() << "\n";
      return piu::cli::kExitInternal;
    }
    return piu::cli::kExitOk;
  }
  const Subcommand* sub = nullptr;
  for (const auto* s : subcommands())
    if (s->command.name == args[0]) sub = s;
  if (!sub) {
    std::cerr << "piu: unknown command '" << piu::printable_message(args[0]) << "'\n\n";
    print_usage(std::cerr);
    return piu::cli::kExitBadInput;
  }
  const std::string& name = sub->command.name;
  try {
    piu::cli::Args parsed = piu::cli::parse_args(sub->command, {args.begin() + 1, args.end()});
    if (parsed.help) {
      std::cout << piu::cli::format_help(sub->command);
      return piu::cli::kExitOk;
    }
    return sub->main(parsed);
  } catch (const piu::Error& e) {
    std::cerr << "piu " << name << ": error: " << piu::printable_message(e.what()) << "\n";
    switch (e.code()) {
      case piu::ErrorCode::kBadInput:
      case piu::ErrorCode::kUnsupported:
      case piu::ErrorCode::kIo:
        return piu::cli::kExitBadInput;
      case piu::ErrorCode::kVerificationFailed:
        return piu::cli::kExitCompareFailed;
      default:
        return piu::cli::kExitInternal;
    }
  } catch (const std::exception& e) {
    std::cerr << "piu " << name << ": internal error: " << piu::printable_message(e.what()) << "\n";
    return piu::cli::kExitInternal;
  }
}
