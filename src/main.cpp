#include "app/cli.h"

int main(int argc, char** argv) { return scamgate::app::run_cli(argc, argv); }
