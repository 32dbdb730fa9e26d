#include <gtest/gtest.h>

#include "cli/options.hpp"

using piu::cli::Command;

namespace {
Command test_command() {
  return {"test",
          "MODEL",
          "a test command",
          piu::cli::shared_options({"--output", "--shape", "--batch", "--json", "--atol"}),
          1,
          1};
}
}  // namespace

TEST(Options, ParsesValuesFlagsAndRepeats) {
  auto args = piu::cli::parse_args(test_command(), {"m.onnx", "-o", "out", "--shape", "a:1x3", "--shape=b:2x4",
                                                    "--json", "--batch", "1,8", "--atol", "1e-5"});
  EXPECT_EQ(args.positional, std::vector<std::string>{"m.onnx"});
  EXPECT_EQ(args.get("--output"), "out");
  EXPECT_TRUE(args.has("--json"));
  EXPECT_EQ(args.get_int_list("--batch", {}), (std::vector<int64_t>{1, 8}));
  EXPECT_DOUBLE_EQ(args.get_double("--atol", 0), 1e-5);
  auto shapes = args.shapes();
  ASSERT_EQ(shapes.size(), 2u);
  EXPECT_EQ(shapes[1].name, "b");
}

TEST(Options, RejectsMistakes) {
  auto cmd = test_command();
  EXPECT_THROW(piu::cli::parse_args(cmd, {"m.onnx", "--nosuch"}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {"m.onnx", "-o"}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {"a", "b"}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {"m", "-o", "a", "-o", "b"}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {"m", "--json=1"}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {"m", "--batch", "0"}).get_int_list("--batch", {}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {"m", "--atol", "x"}).get_double("--atol", 0), piu::Error);
  try {
    piu::cli::parse_args(cmd, {"m.onnx", "--nosuch"});
  } catch (const piu::Error& e) {
    EXPECT_NE(std::string(e.what()).find("piu test --help"), std::string::npos);
  }
}

TEST(Options, HelpListsEveryOption) {
  auto cmd = test_command();
  EXPECT_TRUE(piu::cli::parse_args(cmd, {"--help"}).help);
  const std::string help = piu::cli::format_help(cmd);
  for (const auto& o : cmd.options) EXPECT_NE(help.find(o.name), std::string::npos) << o.name;
}
