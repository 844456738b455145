// Static tokens for `--auth token`: a file of "TOKEN ROLE[,ROLE]" lines, '#' comments.
#pragma once

#include <map>
#include <string>

#include "common/result.h"

namespace stratus {

// token -> roles, e.g. "admin" or "member,reader".
Result<std::map<std::string, std::string>> loadTokenFile(const std::string& path);

}  // namespace stratus
