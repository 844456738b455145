#include "virt/version.h"

#include <array>
#include <charconv>

namespace stratus::virt {

std::string Version::str() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(micro);
}

Version Version::fromLibvirtNumber(unsigned long number) {
  return Version{static_cast<unsigned>(number / 1000000),
                 static_cast<unsigned>((number / 1000) % 1000),
                 static_cast<unsigned>(number % 1000)};
}

Result<Version> Version::parse(std::string_view text, std::string_view key) {
  Version v;
  std::array<unsigned*, 3> parts = {&v.major, &v.minor, &v.micro};
  std::size_t count = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  while (p < end && count < 3) {
    auto [next, ec] = std::from_chars(p, end, *parts[count]);
    if (ec != std::errc() || next == p) break;
    ++count;
    p = next;
    if (p < end && *p == '.')
      ++p;
    else
      break;
  }
  if (count < 2 || p != end) {
    return Error::invalid(std::string(key), std::string(text), "MAJOR.MINOR[.MICRO], e.g. 9.0.0");
  }
  return v;
}

}  // namespace stratus::virt
