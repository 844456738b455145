#include "virt/page_size.h"

#include <catch2/catch.hpp>

using namespace stratus::virt;
using Kind = PageSizeRequest::Kind;

TEST_CASE("page sizes: keywords, KiB digits, and units K/M/G with optional i and B") {
  auto kib = [](const char* v) {
    auto r = parsePageSize(v, "hw:mem_page_size");
    REQUIRE(r.ok());
    REQUIRE(r->kind == Kind::kExplicit);
    return r->size_kib;
  };
  CHECK(kib("2048") == 2048);
  CHECK(kib("2M") == 2048);
  CHECK(kib("2MB") == 2048);
  CHECK(kib("2MiB") == 2048);
  CHECK(kib("2m") == 2048);
  CHECK(kib("2mib") == 2048);
  CHECK(kib("2Mi") == 2048);
  CHECK(kib("2048K") == 2048);
  CHECK(kib("2048KiB") == 2048);
  CHECK(kib("1G") == 1048576);
  CHECK(kib("1GiB") == 1048576);
  CHECK(kib("1gb") == 1048576);
  CHECK(parsePageSize("small", "k")->kind == Kind::kSmall);
  CHECK(parsePageSize("large", "k")->kind == Kind::kLarge);
  CHECK(parsePageSize("any", "k")->kind == Kind::kAny);
  // 4 KiB is the small page size, however it is spelt.
  CHECK(parsePageSize("4", "k")->kind == Kind::kSmall);
  CHECK(parsePageSize("4KiB", "k")->kind == Kind::kSmall);
}

TEST_CASE("page sizes that are not whole sizes are rejected with what is allowed") {
  const std::string allowed =
      "; allowed: small, large, any, or a whole size in KiB (2048) or with a unit K, M or G "
      "(2M, 2MB, 2MiB, 1GiB)";
  auto msg = [](const char* v) {
    auto r = parsePageSize(v, "hw:mem_page_size");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == stratus::ErrorCode::kInvalidArgument);
    return r.error().message;
  };
  CHECK(msg("SMALL") == "hw:mem_page_size='SMALL' is invalid: not a page size" + allowed);
  CHECK(msg("Large") == "hw:mem_page_size='Large' is invalid: not a page size" + allowed);
  CHECK(msg("1.5G") == "hw:mem_page_size='1.5G' is invalid: unknown unit '.5G'" + allowed);
  CHECK(msg("-1") == "hw:mem_page_size='-1' is invalid: not a page size" + allowed);
  CHECK(msg("0") == "hw:mem_page_size='0' is invalid: a page size must be above 0" + allowed);
  CHECK(msg("0M") == "hw:mem_page_size='0M' is invalid: a page size must be above 0" + allowed);
  CHECK(msg("foo") == "hw:mem_page_size='foo' is invalid: not a page size" + allowed);
  CHECK(msg("") == "hw:mem_page_size='' is invalid: not a page size" + allowed);
  CHECK(msg("2T") == "hw:mem_page_size='2T' is invalid: unknown unit 'T'" + allowed);
  CHECK(msg("2MBi") == "hw:mem_page_size='2MBi' is invalid: unknown unit 'MBi'" + allowed);
  CHECK(msg("2 M") == "hw:mem_page_size='2 M' is invalid: unknown unit ' M'" + allowed);
  CHECK(msg("99999999999999999999") ==
        "hw:mem_page_size='99999999999999999999' is invalid: the number is too large" + allowed);
  CHECK(msg("18014398509481984G") ==
        "hw:mem_page_size='18014398509481984G' is invalid: the number is too large" + allowed);
}
