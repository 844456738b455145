#include "common/zone_name.h"

namespace stratus {

Status checkZoneName(const std::string& key, const std::string& name) {
  if (name.empty() || name.size() > 255 || name.find(':') != std::string::npos) {
    return Error::invalid(key, name, "1 to 255 characters without ':'");
  }
  return okStatus();
}

}  // namespace stratus
