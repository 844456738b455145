// hw:mem_page_size / hw_mem_page_size. One parser serves validation at the API and
// rendering on the host, so a value accepted at the door is one the driver renders.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace stratus::virt {

inline constexpr std::uint64_t kSmallPageKib = 4;

struct PageSizeRequest {
  enum class Kind { kSmall, kLarge, kAny, kExplicit };
  Kind kind = Kind::kSmall;
  std::uint64_t size_kib = 0;  // kExplicit only

  bool operator==(const PageSizeRequest&) const = default;
  std::string str() const;  // "small", "large", "any" or "2048 KiB"
};

// small | large | any (exact lower case) | digits (KiB) | a whole number with a unit
// K, M or G, optionally followed by i and/or B, in any case: 2048, 2M, 2MB, 2MiB, 1GiB.
Result<PageSizeRequest> parsePageSize(std::string_view value, std::string_view key);

}  // namespace stratus::virt
