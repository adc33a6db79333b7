#include <iostream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "sim/interrupt.hpp"

int main(int argc, char** argv) {
  qvsim::install_interrupt_handlers();
  std::vector<std::string> args(argv + 1, argv + argc);
  return qvsim::run_cli(args, std::cout, std::cerr);
}
