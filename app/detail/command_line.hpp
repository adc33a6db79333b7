#pragma once
// Reading one command's arguments with CLI11 (Debian's libcli11-dev): `--help` on every command,
// `--opt value` and `--opt=value`, repeatable options, and every mistake as one InputError
// (usage, exit 2) naming the option, with a "did you mean" for a near miss (sim/text.hpp).
// Values are read as text and checked by the command, so each keeps its own messages
// ("--threads: must be in [1, 4096], got 0").
//
// A command builds `CLI::App app{description, "qvsim <command>"}`, adds its options (positional
// arguments named in capitals: FILE, DIR), and calls parse_command.

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace qvsim::detail {

// Parses `args` (the words after the command name) into `app`'s options. Returns false when
// --help or -h was given: the command's help is then on `out` and the command does nothing.
// Throws InputError (usage) for an unknown option (with the nearest known one), a missing value,
// a missing positional argument, or more than `most_words` positional words (positional options
// are vectors, so that the value of a mistyped option is not mistaken for a second FILE).
bool parse_command(CLI::App& app, const std::vector<std::string>& args, std::ostream& out,
                   std::size_t most_words = 1);

// A repeatable option that takes one value per occurrence (`--by a --by b`), so that a word after
// it is never read as a second value.
CLI::Option* add_repeatable(CLI::App& app, const std::string& name, std::vector<std::string>& to,
                            const std::string& help, const std::string& value_name);

}  // namespace qvsim::detail
