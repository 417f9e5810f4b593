#pragma once

namespace scamgate::app {

// The `scamgate` command: parses the command line and runs the subcommand. Returns the exit code.
int run_cli(int argc, char** argv);

}  // namespace scamgate::app
