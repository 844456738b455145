#include "common/token_file.h"

#include <fstream>
#include <sstream>

namespace stratus {

Result<std::map<std::string, std::string>> loadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::invalid("--token-file", path, "a readable file of TOKEN ROLES lines");
  std::map<std::string, std::string> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string token, roles;
    if (!(words >> token >> roles)) {
      return Error::invalid("--token-file", path, "lines of TOKEN ROLE[,ROLE]",
                            "line " + std::to_string(n) + " has no roles");
    }
    out[token] = roles;
  }
  return out;
}

}  // namespace stratus
