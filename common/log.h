// One line per event on stderr, with a UTC timestamp and the program's name, safe to
// call from any thread.
#pragma once

#include <string_view>

namespace stratus {

void setLogProgram(std::string_view name);
void logLine(std::string_view message);

}  // namespace stratus
