#include "app/detail/command_line.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <ostream>

#include "sim/error.hpp"
#include "sim/text.hpp"

namespace qvsim::detail {
namespace {

// "qvsim run" -> "run".
std::string command_of(const CLI::App& app) {
  const std::string& name = app.get_name();
  const auto space = name.rfind(' ');
  return space == std::string::npos ? name : name.substr(space + 1);
}

[[noreturn]] void usage_error(const std::string& key, const std::string& message) {
  throw InputError("", 0, key, message, ErrorKind::usage);
}

}  // namespace

CLI::Option* add_repeatable(CLI::App& app, const std::string& name, std::vector<std::string>& to,
                            const std::string& help, const std::string& value_name) {
  return app.add_option(name, to, help)
      ->type_name(value_name)
      ->type_size(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

bool parse_command(CLI::App& app, const std::vector<std::string>& args, std::ostream& out,
                   std::size_t most_words) {
  // Unknown words are collected, not thrown by CLI11, so that the message can name the nearest
  // known option.
  app.allow_extras(true);
  // An option given twice keeps its last value, as qvsim always did (CLI11 would refuse it).
  for (CLI::Option* o : app.get_options([](CLI::Option*) { return true; })) {
    if (!o->get_positional() && o->get_multi_option_policy() == CLI::MultiOptionPolicy::Throw)
      o->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }
  const std::string command = command_of(app);
  const std::string try_help = "; try 'qvsim " + command + " --help'";
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 reads from the back
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return false;
  } catch (const CLI::RequiredError&) {
    for (const CLI::Option* o : app.get_options()) {
      if (o->get_positional() && o->get_required() && o->count() == 0)
        usage_error("", "'" + command + "' needs " + o->get_name() + try_help);
    }
    usage_error("", "'" + command + "' is missing an argument" + try_help);
  } catch (const CLI::ArgumentMismatch& e) {
    // CLI11 says "--seed: 1 required TEXT missing": the option is the text before the colon.
    const std::string what = e.what();
    const auto colon = what.find(':');
    const std::string option = colon == std::string::npos ? std::string() : what.substr(0, colon);
    usage_error(option, "needs a value");
  } catch (const CLI::ParseError& e) {
    usage_error("", std::string(e.what()) + try_help);
  }
  std::vector<std::string> extras = app.remaining();
  std::vector<std::string> words;
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_positional()) words.insert(words.end(), o->results().begin(), o->results().end());
  }
  if (words.size() > most_words) extras.push_back(words[most_words]);
  if (extras.empty()) return true;
  // An unknown option first: the words after it were probably its value.
  const auto unknown = std::find_if(extras.begin(), extras.end(), [](const std::string& w) {
    return w.size() > 1 && w[0] == '-';
  });
  const std::string& first = unknown != extras.end() ? *unknown : extras.front();
  if (first.size() > 1 && first[0] == '-') {
    std::string option = first.substr(0, first.find('='));
    std::vector<std::string> known;
    for (const CLI::Option* o : app.get_options()) {
      for (const std::string& n : o->get_lnames()) known.push_back("--" + n);
    }
    std::string message = "unknown option for '" + command + "'";
    if (const auto i = nearest_name(option, known))
      message += "; did you mean '" + known[*i] + "'?";
    usage_error(option, message + try_help);
  }
  usage_error("", "unexpected argument '" + first + "'" + try_help);
}

}  // namespace qvsim::detail
