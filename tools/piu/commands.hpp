// Subcommands of the piu CLI; each takes the arguments after its name and returns an exit code.
#pragma once

#include <iostream>
#include <string>
#include <vector>

#include "cli/command_specs.hpp"
#include "cli/options.hpp"

namespace piu::cli {

// Exit statuses shared by every subcommand.
constexpr int kExitOk = 0;
constexpr int kExitCompareFailed = 1;  // also: a written model failed verification
constexpr int kExitBadInput = 2;
constexpr int kExitInternal = 3;

// Prints a job's report as the command line asks: its JSON with --json, else its text.
template <class Report>
int print_report(const Args& args, const Report& report) {
  std::cout << (args.has("--json") ? report.to_json() + "\n" : report.to_text());
  return kExitOk;
}

// The main of a command that is one job: parse the arguments into the job's options, run it, print.
template <auto options_from, auto job>
int job_main(const Args& args) {
  return print_report(args, job(options_from(args)));
}

struct Subcommand {
  Command command;
  int (*main)(const Args& args);
};

const Subcommand& inspect_command();
const Subcommand& run_command();
const Subcommand& bench_command();
const Subcommand& compare_command();
const Subcommand& optimize_command();
const Subcommand& round_weights_command();
const Subcommand& simplify_command();
const Subcommand& deploy_command();
const Subcommand& export_command();
const Subcommand& calibrate_command();
const Subcommand& quantize_command();
const Subcommand& fp16_command();
const Subcommand& doctor_command();

}  // namespace piu::cli
