#include "compute/provider_config.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace stratus;
using namespace stratus::compute;

namespace {

const std::string kPath = "/etc/stratus/provider_config/a.yaml";
const std::string kMeta = "meta:\n  schema_version: '1.0'\n";

std::string errorOf(const std::string& text) {
  auto r = parseProviderConfig(kPath, text);
  if (r.ok()) return "(parsed)";
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  return r.error().message;
}

// A file with one provider named cn1 whose body is `body` (YAML flow mappings).
std::string withProvider(const std::string& body) {
  return kMeta + "providers:\n  - identification: {name: cn1}\n" + body;
}

std::string inventoryError(const std::string& record) {
  return errorOf(
      withProvider("    inventories:\n      additional:\n        - CUSTOM_X: " + record + "\n"));
}

const std::string kP = kPath + ": providers[0]";
const std::string kInv = kP + ".inventories.additional[0].CUSTOM_X";
const std::string kCountAllowed = "; allowed: a whole number from 1 to 2147483647";
const std::string kNameAllowed =
    "; allowed: CUSTOM_ followed by A-Z, 0-9 and _, at most 255 characters";

}  // namespace

TEST_CASE("a provider config file in Nova's format becomes plain entries") {
  const std::string text = kMeta + R"(providers:
  - identification:
      name: cn1
    inventories:
      additional:
        - CUSTOM_X:
            total: 4
        - CUSTOM_Y: {total: 10, reserved: 2, min_unit: 1, max_unit: 5, step_size: 1, allocation_ratio: 2.5}
    traits:
      additional: [CUSTOM_GOLD, CUSTOM_FAST]
  - identification:
      uuid: $COMPUTE_NODE
    traits:
      additional: [CUSTOM_ANY]
  - identification:
      uuid: 5A1D9B7C-1234-4ABC-8DEF-0123456789AB
    traits: {additional: [CUSTOM_Z]}
)";
  auto r = parseProviderConfig(kPath, text);
  REQUIRE(r.ok());
  CHECK(r->warnings.empty());
  REQUIRE(r->entries.size() == 3);
  const auto& cn1 = r->entries[0];
  CHECK(cn1.by == ProviderConfigEntry::By::kName);
  CHECK(cn1.id == "cn1");
  CHECK(cn1.source == kP);
  placement_client::Inventory x;  // Placement's defaults for what the file leaves out
  x.total = 4;
  x.max_unit = 2147483647;
  placement_client::Inventory y{10, 2, 1, 5, 1, 2.5};
  CHECK(cn1.inventories == placement_client::Inventories{{"CUSTOM_X", x}, {"CUSTOM_Y", y}});
  CHECK(cn1.traits == std::set<std::string>{"CUSTOM_FAST", "CUSTOM_GOLD"});
  CHECK(r->entries[1].by == ProviderConfigEntry::By::kUuid);
  CHECK(r->entries[1].id == "$COMPUTE_NODE");
  CHECK(r->entries[2].id == "5a1d9b7c-1234-4abc-8def-0123456789ab");
  CHECK(r->entries[2].source == kPath + ": providers[2]");
}

TEST_CASE("a provider with nothing to add is ignored with a warning, as Nova does") {
  auto r = parseProviderConfig(kPath, kMeta + "providers:\n  - identification: {name: cn2}\n");
  REQUIRE(r.ok());
  CHECK(r->entries.empty());
  CHECK(r->warnings ==
        std::vector<std::string>{kP + " (name cn2) adds no inventories and no traits; ignored"});
  auto none = parseProviderConfig(kPath, kMeta);
  REQUIRE(none.ok());
  CHECK(none->entries.empty());
}

TEST_CASE("schema 1.N above 1.0 is read with a warning and its unknown keys are skipped") {
  auto r = parseProviderConfig(kPath,
                               "meta: {schema_version: '1.1'}\nfoo: 1\n"
                               "providers:\n  - identification: {name: cn1}\n"
                               "    extra: yes\n    traits: {additional: [CUSTOM_A]}\n");
  REQUIRE(r.ok());
  REQUIRE(r->entries.size() == 1);
  CHECK(r->warnings ==
        std::vector<std::string>{
            kPath + ": schema version 1.1 is newer than 1.0, which Stratus reads; keys it does "
                    "not know are skipped",
            kPath + ": foo is not a key Stratus reads; skipped",
            kPath + ": providers[0].extra is not a key Stratus reads; skipped"});
}

TEST_CASE("the document and meta: each refusal names the file and the field") {
  CHECK_THAT(errorOf("meta: [\n"), Catch::StartsWith(kPath + ": not YAML: "));
  CHECK_THAT(errorOf("meta: [\n"), Catch::EndsWith(" at line 2, column 1"));
  CHECK(errorOf("") ==
        kPath + ": the document is empty; allowed: a mapping with meta and providers");
  CHECK(errorOf("- a\n") ==
        kPath + ": the document is a list; allowed: a mapping with meta and providers");
  CHECK(errorOf("providers: []\n") ==
        kPath + ": meta is missing; every file starts with meta: {schema_version: '1.0'}");
  const std::string allowed = "; allowed: '1.0' (quoted); '1.N' is read with a warning";
  CHECK(errorOf("meta: {}\n") == kPath + ": meta.schema_version is missing" +
                                     std::string("; allowed: '1.0' (quoted); '1.N' is read with "
                                                 "a warning"));
  CHECK(errorOf("meta: {schema_version: 1.0}\n") ==
        kPath + ": meta.schema_version='1.0' is invalid: not a quoted string" + allowed);
  CHECK(errorOf("meta: {schema_version: '2.0'}\n") ==
        kPath +
            ": meta.schema_version='2.0' is invalid: Stratus reads schema major version 1 only" +
            allowed);
  CHECK(errorOf("meta: {schema_version: '1'}\n") ==
        kPath + ": meta.schema_version='1' is invalid: not MAJOR.MINOR" + allowed);
  CHECK(errorOf("meta: {schema_version: '1.01'}\n") ==
        kPath + ": meta.schema_version='1.01' is invalid: not MAJOR.MINOR" + allowed);
  CHECK(errorOf("meta: a\n") == kPath + ": meta='a' is invalid; allowed: {schema_version: '1.0'}");
  CHECK(errorOf(kMeta + "provider: []\n") ==
        kPath + ": provider is not a key of provider config schema 1.0; allowed: meta, providers");
  CHECK(errorOf("meta: {schema_version: '1.0', x: 1}\n") ==
        kPath + ": meta.x is not a key of provider config schema 1.0; allowed: schema_version");
  CHECK(errorOf(kMeta + "providers: {}\n") ==
        kPath + ": providers='a mapping' is invalid: not a list; allowed: a list of providers");
  CHECK(errorOf(kMeta + "providers: [x]\n") ==
        kP + "='x' is invalid: not a mapping; allowed: a mapping with identification, "
             "inventories, traits");
  CHECK(errorOf(kMeta + "providers:\n  - identification: {name: a}\n    inventory: {}\n") ==
        kP + ".inventory is not a key of provider config schema 1.0; allowed: identification, "
             "inventories, traits");
}

TEST_CASE("identification: exactly one of a name or a uuid") {
  const auto ident = [](const std::string& id) {
    return errorOf(kMeta + "providers:\n  - identification: " + id +
                   "\n    traits: {additional: [CUSTOM_A]}\n");
  };
  CHECK(errorOf(kMeta + "providers:\n  - traits: {additional: [CUSTOM_A]}\n") ==
        kP + ".identification is missing; every provider needs identification: {name: NAME} or "
             "{uuid: UUID}");
  CHECK(ident("{name: a, uuid: $COMPUTE_NODE}") ==
        kP + ".identification='2 keys' is invalid: a provider is identified one way; allowed: a "
             "mapping with exactly one of name, uuid");
  CHECK(ident("cn1") == kP + ".identification='cn1' is invalid: not a mapping; allowed: a "
                             "mapping with exactly one of name, uuid");
  CHECK(ident("{id: x}") == kP + ".identification.id='id' is invalid: not a way to identify a "
                                 "provider; allowed: name, uuid");
  CHECK(ident("{name: ''}") == kP + ".identification.name='' is invalid: it is 0 characters "
                                    "long; allowed: a name of 1 to 200 characters");
  CHECK(ident("{name: " + std::string(201, 'n') + "}") ==
        kP + ".identification.name='" + std::string(201, 'n') +
            "' is invalid: it is 201 characters long; allowed: a name of 1 to 200 characters");
  CHECK(ident("{name: [a]}") == kP + ".identification.name='a list' is invalid: not a string; "
                                     "allowed: a name of 1 to 200 characters");
  CHECK(ident("{uuid: abc}") == kP + ".identification.uuid='abc' is invalid: not a UUID; "
                                     "allowed: a UUID (8-4-4-4-12 hex digits) or $COMPUTE_NODE");
}

TEST_CASE("inventories: custom classes with Placement's fields and ranges") {
  CHECK(errorOf(withProvider("    inventories: [a]\n")) ==
        kP + ".inventories='a list' is invalid: not a mapping; allowed: a mapping with additional");
  CHECK(errorOf(withProvider("    inventories: {extra: []}\n")) ==
        kP + ".inventories.extra is not a key of provider config schema 1.0; allowed: additional");
  CHECK(errorOf(withProvider("    inventories: {additional: {}}\n")) ==
        kP + ".inventories.additional='a mapping' is invalid: not a list; allowed: a list of "
             "{RESOURCE_CLASS: {total: N, ...}}");
  CHECK(errorOf(withProvider("    inventories: {additional: [x]}\n")) ==
        kP + ".inventories.additional[0]='x' is invalid: not a mapping; allowed: a mapping "
             "{RESOURCE_CLASS: {total: N, ...}}");
  const auto rc = [](const std::string& name) {
    return errorOf(withProvider("    inventories: {additional: [{" + name + ": {total: 1}}]}\n"));
  };
  CHECK(rc("custom_x") == kP +
                              ".inventories.additional[0]='custom_x' is invalid: not a resource "
                              "class name" +
                              kNameAllowed);
  CHECK(rc("VCPU") == kP +
                          ".inventories.additional[0]='VCPU' is invalid: only custom resource "
                          "classes may be set in a provider config" +
                          kNameAllowed);
  CHECK(rc("CUSTOM_") == kP +
                             ".inventories.additional[0]='CUSTOM_' is invalid: CUSTOM_ needs a "
                             "name after it" +
                             kNameAllowed);
  CHECK(rc("CUSTOM_" + std::string(249, 'X')) ==
        kP + ".inventories.additional[0]='CUSTOM_" + std::string(249, 'X') +
            "' is invalid: not a resource class name" + kNameAllowed);
  CHECK(errorOf(withProvider("    inventories:\n      additional:\n        - CUSTOM_X: {total: 1}\n"
                             "        - CUSTOM_X: {total: 2}\n")) ==
        kP + ".inventories.additional[1].CUSTOM_X='CUSTOM_X' is invalid: the class is given twice "
             "for this provider; allowed: each resource class once per provider");

  CHECK(inventoryError("4") ==
        kInv +
            "='4' is invalid: not a mapping; allowed: a mapping with total and optionally "
            "reserved, min_unit, max_unit, step_size, allocation_ratio");
  CHECK(inventoryError("{reserved: 1}") ==
        kInv + ".total is missing; every inventory needs a total");
  CHECK(inventoryError("{total: 1, reservd: 1}") ==
        kInv +
            ".reservd='reservd' is invalid: not a field of an inventory; allowed: total, "
            "reserved, min_unit, max_unit, step_size, allocation_ratio");
  CHECK(inventoryError("{total: '4'}") ==
        kInv + ".total='4' is invalid: not a number" + kCountAllowed);
  CHECK(inventoryError("{total: 2.5}") ==
        kInv + ".total='2.5' is invalid: not a whole number" + kCountAllowed);
  CHECK(inventoryError("{total: 0}") ==
        kInv + ".total='0' is invalid: out of range" + kCountAllowed);
  CHECK(inventoryError("{total: 2147483648}") ==
        kInv + ".total='2147483648' is invalid: out of range" + kCountAllowed);
  CHECK(inventoryError("{total: 99999999999999999999}") ==
        kInv + ".total='99999999999999999999' is invalid: out of range" + kCountAllowed);
  CHECK(inventoryError("{total: [1]}") ==
        kInv + ".total='a list' is invalid: not a number" + kCountAllowed);
  CHECK(inventoryError("{total: 4, reserved: -1}") ==
        kInv +
            ".reserved='-1' is invalid: out of range; allowed: a whole number from 0 to "
            "2147483647");
  CHECK(inventoryError("{total: 4, min_unit: 0}") ==
        kInv + ".min_unit='0' is invalid: out of range" + kCountAllowed);
  CHECK(inventoryError("{total: 4, max_unit: 0}") ==
        kInv + ".max_unit='0' is invalid: out of range" + kCountAllowed);
  CHECK(inventoryError("{total: 4, step_size: 0}") ==
        kInv + ".step_size='0' is invalid: out of range" + kCountAllowed);
  const std::string ratio_allowed = "; allowed: a number from 0 to 3.4e38, e.g. 1.0 or 16";
  CHECK(inventoryError("{total: 4, allocation_ratio: abc}") ==
        kInv + ".allocation_ratio='abc' is invalid: not a number" + ratio_allowed);
  CHECK(inventoryError("{total: 4, allocation_ratio: '2.0'}") ==
        kInv + ".allocation_ratio='2.0' is invalid: not a number" + ratio_allowed);
  CHECK(inventoryError("{total: 4, allocation_ratio: -1}") ==
        kInv + ".allocation_ratio='-1' is invalid: out of range" + ratio_allowed);
  CHECK(inventoryError("{total: 4, allocation_ratio: 1e39}") ==
        kInv + ".allocation_ratio='1e39' is invalid: out of range" + ratio_allowed);
  CHECK(inventoryError("{total: 2, reserved: 3}") ==
        kInv +
            ".reserved='3' is invalid: placement refuses a reservation over the total; "
            "allowed: at most total (2)");
  CHECK(inventoryError("{total: 8, min_unit: 5, max_unit: 4}") ==
        kInv +
            ".min_unit='5' is invalid: placement refuses min_unit over max_unit; allowed: at "
            "most max_unit (4)");
}

TEST_CASE("traits: custom names only") {
  const auto traits = [](const std::string& body) {
    return errorOf(withProvider("    traits: " + body + "\n"));
  };
  CHECK(traits("[CUSTOM_A]") ==
        kP + ".traits='a list' is invalid: not a mapping; allowed: a mapping with additional");
  CHECK(traits("{more: []}") ==
        kP + ".traits.more is not a key of provider config schema 1.0; allowed: additional");
  CHECK(traits("{additional: CUSTOM_A}") == kP + ".traits.additional='CUSTOM_A' is invalid: not "
                                                 "a list; allowed: a list of CUSTOM_ trait names");
  CHECK(traits("{additional: [[CUSTOM_A]]}") ==
        kP + ".traits.additional[0]='a list' is invalid: not a string; allowed: a CUSTOM_ trait "
             "name");
  CHECK(traits("{additional: [gold]}") ==
        kP + ".traits.additional[0]='gold' is invalid: not a trait name" + kNameAllowed);
  CHECK(traits("{additional: [HW_CPU_X86_AVX2]}") ==
        kP +
            ".traits.additional[0]='HW_CPU_X86_AVX2' is invalid: only custom traits may be set "
            "in a provider config" +
            kNameAllowed);
}

TEST_CASE("a provider configured twice, in one file or two, is refused naming both places") {
  const std::string a = kMeta +
                        "providers:\n  - identification: {name: cn1}\n"
                        "    traits: {additional: [CUSTOM_A]}\n";
  auto first = parseProviderConfig("/d/a.yaml", a);
  auto second = parseProviderConfig("/d/b.yaml", a);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  ProviderConfigs all;
  REQUIRE(mergeProviderConfigs(all, *first).ok());
  auto s = mergeProviderConfigs(all, *second);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        "/d/b.yaml: providers[0].identification='name cn1' is invalid: the provider is also "
        "configured at /d/a.yaml: providers[0]; allowed: each provider in one entry of one file");

  auto twice = parseProviderConfig(
      "/d/c.yaml", a + "  - identification: {name: cn1}\n    traits: {additional: [CUSTOM_B]}\n");
  REQUIRE(twice.ok());
  ProviderConfigs one;
  auto t = mergeProviderConfigs(one, *twice);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message ==
        "/d/c.yaml: providers[1].identification='name cn1' is invalid: the provider is also "
        "configured at /d/c.yaml: providers[0]; allowed: each provider in one entry of one file");
}

TEST_CASE("the directory: *.yaml in name order, missing is empty, a file is refused") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("provider-config-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto missing = loadProviderConfigDir(dir.string());
  REQUIRE(missing.ok());
  CHECK(missing->entries.empty());

  fs::create_directories(dir);
  const auto write = [&](const std::string& name, const std::string& provider) {
    std::ofstream(dir / name) << kMeta << "providers:\n  - identification: {name: " << provider
                              << "}\n    traits: {additional: [CUSTOM_A]}\n";
  };
  write("b.yaml", "second");
  write("a.yaml", "first");
  write("c.yml", "not-read");
  write("d.yaml.bak", "not-read");
  auto loaded = loadProviderConfigDir(dir.string());
  REQUIRE(loaded.ok());
  REQUIRE(loaded->entries.size() == 2);
  CHECK(loaded->entries[0].id == "first");
  CHECK(loaded->entries[1].id == "second");
  CHECK(loaded->entries[1].source == (dir / "b.yaml").string() + ": providers[0]");

  std::ofstream(dir / "e.yaml") << "meta: {}\n";
  auto bad = loadProviderConfigDir(dir.string());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        (dir / "e.yaml").string() +
            ": meta.schema_version is missing; allowed: '1.0' (quoted); '1.N' is read with a "
            "warning");

  auto file = loadProviderConfigDir((dir / "a.yaml").string());
  REQUIRE_FALSE(file.ok());
  CHECK(file.error().message == "[compute] provider_config_location='" + (dir / "a.yaml").string() +
                                    "' is invalid: not a directory; allowed: a directory");
  fs::remove_all(dir);
}

TEST_CASE("odd YAML shapes are refused with a message, never thrown") {
  for (const std::string& text : {
           std::string("? [a]\n: b\n"),
           kMeta + "providers:\n  - identification: {[a]: b}\n",
           kMeta + "providers:\n  - identification: {name: a}\n    inventories:\n"
                   "      additional: [{[x]: {total: 1}}]\n",
           kMeta + "providers:\n  - identification: {name: a}\n    inventories:\n"
                   "      additional: [{CUSTOM_X: {[t]: 1}}]\n",
           kMeta + "providers:\n  - &p {identification: *p}\n",
           kMeta + "providers: *undefined\n",
           std::string("meta: {schema_version: !!binary aGVsbG8=}\n"),
           std::string("\t\x01\xff"),
       }) {
    INFO(text);
    auto r = parseProviderConfig(kPath, text);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::StartsWith(kPath + ": "));
  }
}
