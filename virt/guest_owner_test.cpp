#include "virt/guest_owner.h"

#include <catch2/catch.hpp>

#include "virt/domain_render.h"

using namespace stratus::virt;

namespace {
DomainDef owned() {
  DomainDef d;
  d.type = "qemu";
  d.name = std::string("g");  // g++ 12 -O3: bogus -Wrestrict on `= "g"` (GCC bug 105329)
  d.memory_kib = 262144;
  d.arch = "x86_64";
  d.machine = "q35";
  d.owner = GuestOwner{"compute-0", "6f1c2a3e-0000-4000-8000-000000000001"};
  return d;
}
}  // namespace

TEST_CASE("the owner is rendered in <metadata> in Stratus's namespace") {
  auto xml = renderDomainXml(owned());
  REQUIRE(xml.ok());
  INFO(*xml);
  CHECK(xml->find("  <name>g</name>\n"
                  "  <metadata>\n"
                  "    <stratus:owner host=\"compute-0\" "
                  "agent=\"6f1c2a3e-0000-4000-8000-000000000001\" "
                  "xmlns:stratus=\"https://stratus.dev/xmlns/guest-owner/1\"/>\n"
                  "  </metadata>\n") != std::string::npos);
}

TEST_CASE("the owner reads back from the rendered domain") {
  auto xml = renderDomainXml(owned());
  REQUIRE(xml.ok());
  auto owner = parseGuestOwner(*xml);
  REQUIRE(owner.ok());
  REQUIRE(owner->has_value());
  CHECK(**owner == GuestOwner{"compute-0", "6f1c2a3e-0000-4000-8000-000000000001"});
}

TEST_CASE("the owner reads from the element virDomainGetMetadata returns") {
  // What `virsh metadata DOMAIN https://stratus.dev/xmlns/guest-owner/1` prints (libvirt
  // 9.0): the element, its namespace stripped.
  auto owner = parseGuestOwner("<owner host=\"h1\" agent=\"a1\"/>\n");
  REQUIRE(owner.ok());
  REQUIRE(owner->has_value());
  CHECK(**owner == GuestOwner{"h1", "a1"});
  CHECK(describeOwner(**owner) == "host h1, agent a1");
  auto with_ns = parseGuestOwner(
      "<owner xmlns=\"https://stratus.dev/xmlns/guest-owner/1\" host=\"h1\" agent=\"a1\"/>");
  REQUIRE(with_ns.ok());
  CHECK(*with_ns == owner.value());
}

TEST_CASE("a guest without our metadata has no owner") {
  auto none = parseGuestOwner("<domain type=\"qemu\"><name>g</name></domain>");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  // Same element name, another namespace: not ours.
  auto other = parseGuestOwner(
      "<domain><metadata><x:owner xmlns:x=\"http://example.org/other\" host=\"h\" agent=\"a\"/>"
      "</metadata></domain>");
  REQUIRE(other.ok());
  CHECK_FALSE(other->has_value());
}

TEST_CASE("unreadable owner metadata is refused, naming it") {
  auto bad = parseGuestOwner("<owner");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "guest owner metadata='<owner' is invalid; allowed: an XML element");
  auto partial = parseGuestOwner("<owner host=\"h1\"/>");
  REQUIRE_FALSE(partial.ok());
  CHECK(partial.error().message ==
        "guest owner metadata='<owner host=\"h1\"/>' is invalid; allowed: an owner element "
        "with host and agent");
}
