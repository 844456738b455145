#include "virt/page_size.h"

#include <cctype>
#include <charconv>
#include <limits>

namespace stratus::virt {

std::string PageSizeRequest::str() const {
  switch (kind) {
    case Kind::kSmall:
      return "small";
    case Kind::kLarge:
      return "large";
    case Kind::kAny:
      return "any";
    case Kind::kExplicit:
      return std::to_string(size_kib) + " KiB";
  }
  return "";
}

Result<PageSizeRequest> parsePageSize(std::string_view value, std::string_view key) {
  static const std::string kAllowed =
      "small, large, any, or a whole size in KiB (2048) or with a unit K, M or G "
      "(2M, 2MB, 2MiB, 1GiB)";
  auto reject = [&](std::string_view why) {
    return Error::invalid(std::string(key), std::string(value), kAllowed, why);
  };
  if (value == "small") return PageSizeRequest{PageSizeRequest::Kind::kSmall, 0};
  if (value == "large") return PageSizeRequest{PageSizeRequest::Kind::kLarge, 0};
  if (value == "any") return PageSizeRequest{PageSizeRequest::Kind::kAny, 0};

  std::uint64_t number = 0;
  const char* begin = value.data();
  const char* end = value.data() + value.size();
  auto [next, ec] = std::from_chars(begin, end, number);
  if (next == begin || !std::isdigit(static_cast<unsigned char>(*begin))) {
    return reject("not a page size");
  }
  if (ec == std::errc::result_out_of_range) return reject("the number is too large");

  std::string_view suffix(next, static_cast<std::size_t>(end - next));
  std::uint64_t multiplier = 1;  // plain digits are KiB
  if (!suffix.empty()) {
    switch (std::toupper(static_cast<unsigned char>(suffix.front()))) {
      case 'K':
        multiplier = 1;
        break;
      case 'M':
        multiplier = 1024;
        break;
      case 'G':
        multiplier = std::uint64_t{1024} * 1024;
        break;
      default:
        return reject("unknown unit '" + std::string(suffix) + "'");
    }
    auto rest = suffix.substr(1);
    if (!rest.empty() && (rest.front() == 'i' || rest.front() == 'I')) rest.remove_prefix(1);
    if (!rest.empty() && (rest.front() == 'b' || rest.front() == 'B')) rest.remove_prefix(1);
    if (!rest.empty()) return reject("unknown unit '" + std::string(suffix) + "'");
  }
  if (number == 0) return reject("a page size must be above 0");
  if (number > std::numeric_limits<std::uint64_t>::max() / multiplier) {
    return reject("the number is too large");
  }
  const std::uint64_t kib = number * multiplier;
  if (kib == kSmallPageKib) return PageSizeRequest{PageSizeRequest::Kind::kSmall, 0};
  return PageSizeRequest{PageSizeRequest::Kind::kExplicit, kib};
}

}  // namespace stratus::virt
