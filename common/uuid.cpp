#include "common/uuid.h"

#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <random>

namespace stratus {

std::string newUuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::uint64_t> dist;
  std::uint64_t hi = dist(rng);
  std::uint64_t lo = dist(rng);
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

bool isCanonicalUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

std::string providerUuidFor(const std::string& provider_name) {
  // Never change these bytes: every provider already published is found by them.
  static const boost::uuids::uuid kNamespace = {{0x6b, 0x1f, 0x3c, 0x52, 0x8e, 0x4d, 0x4a, 0x17,
                                                 0x9c, 0x2e, 0x51, 0x7a, 0xd0, 0x93, 0x44, 0xe8}};
  boost::uuids::name_generator_sha1 gen(kNamespace);
  return boost::uuids::to_string(gen(provider_name));
}

}  // namespace stratus
