// OpenStack API microversions "X.Y". Each service has its own major (Placement 1,
// compute 2), so each gets its own type: Microversion<1> and Microversion<2> do not
// compare with each other, and a feature is named once as a constant of its
// service's type (e.g. placement's kNestedCandidates{29}) instead of a bare minor.
#pragma once

#include <compare>
#include <string>

namespace stratus::http {

template <int Major>
struct Microversion {
  static constexpr int kMajor = Major;
  int minor = 0;

  constexpr auto operator<=>(const Microversion&) const = default;
  constexpr bool atLeast(Microversion feature) const { return minor >= feature.minor; }
  std::string str() const { return std::to_string(Major) + "." + std::to_string(minor); }
};

// The version as a request carries it, whatever the service: negotiated by the
// service's front door, read by its handlers through as<Major>(). Feature checks
// go through the typed Microversion, never through a bare minor of this type.
struct ApiVersion {
  int major = 1;
  int minor = 0;
  auto operator<=>(const ApiVersion&) const = default;
  std::string str() const { return std::to_string(major) + "." + std::to_string(minor); }

  template <int Major>
  constexpr Microversion<Major> as() const {
    return Microversion<Major>{major == Major ? minor : 0};
  }
  template <int Major>
  static constexpr ApiVersion of(Microversion<Major> v) {
    return ApiVersion{Major, v.minor};
  }
};

}  // namespace stratus::http
