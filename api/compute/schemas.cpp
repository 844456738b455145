#include "api/compute/schemas.h"

#include <cctype>

#include "common/uuid.h"

namespace stratus::api::compute {
namespace {

using http::SchemaField;
using http::SchemaRule;
using T = http::SchemaField::Type;
using nlohmann::json;

// Nova's flavor id: letters, digits, '.', '_', '-' and inner spaces, 1 to 255 long.
bool flavorIdFormat(std::string_view id) {
  if (id.empty() || id.size() > 255 || id.front() == ' ' || id.back() == ' ') return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ' ' || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

// Names may hold spaces, but not at either end (Nova's "name" parameter type).
bool noEdgeSpaces(std::string_view s) {
  return s.empty() || (s.front() != ' ' && s.back() != ' ');
}

// A dashed UUID, as the agent sends its provider's.
bool canonicalUuidFormat(std::string_view s) {
  return isCanonicalUuid(std::string(s));
}

BodyField nameField(bool required, std::string required_message) {
  return {.name = "name",
          .rule = SchemaField(T::kString, required).length(1, 255).withFormat(noEdgeSpaces),
          .why = "It must be a string.",
          .why_for = {{SchemaRule::kTooShort, "It must be 1 to 255 characters long; it is empty."},
                      {SchemaRule::kTooLong, "It is too long: 1 to 255 characters allowed."},
                      {SchemaRule::kFormat, "It must not start or end with a space."}},
          .required_message = std::move(required_message)};
}

BodyField sizeField(const std::string& name, double minimum, bool required) {
  return {.name = name,
          .rule = SchemaField(T::kIntegerOrDigits, required).atLeast(minimum),
          .why = "It must be a whole number of at least " +
                 std::to_string(static_cast<int>(minimum)) + ".",
          .says_minimum = true,
          .required_message = "'" + name + "' is a required property"};
}

std::string joined(const BodySchema& s) {
  std::string out;
  for (const auto& f : s.fields) out += (out.empty() ? "" : ", ") + f.name;
  return out;
}

std::string filled(std::string text, const std::string& key, const std::string& allowed) {
  for (auto [hole, with] : {std::pair{std::string("{key}"), key}, {"{allowed}", allowed}}) {
    if (auto at = text.find(hole); at != std::string::npos) text.replace(at, hole.size(), with);
  }
  return text;
}

std::string minimumText(double m) {
  return std::to_string(static_cast<long long>(m));
}

BodySchema buildFlavorCreate(bool with_description) {
  BodySchema s;
  s.object = "flavor";
  s.unknown =
      "Invalid input for flavor: additional property '{key}' is not allowed; allowed: "
      "{allowed}";
  BodyField vcpus = sizeField("vcpus", 1, true);
  vcpus.rule.atMost(4096);
  vcpus.why_for[SchemaRule::kAboveMaximum] = "It must be at most 4096.";
  // "" is no swap, as Nova takes it.
  BodyField swap = sizeField("swap", 0, false);
  swap.empty_string_is_absent = true;
  s.fields = {
      nameField(true, "Invalid input for flavor: 'name' is a required property"),
      {.name = "id",
       .rule = SchemaField(T::kString, false).orNull().withFormat(flavorIdFormat),
       .why = "It must be 1 to 255 letters, digits, '.', '_', '-' or inner spaces."},
      sizeField("ram", 1, true),
      vcpus,
      sizeField("disk", 0, true),
      swap,
      sizeField("OS-FLV-EXT-DATA:ephemeral", 0, false),
      {.name = "rxtx_factor",
       .rule = SchemaField(T::kNumber, false).above(0),
       .why = "It must be a number greater than 0."},
      {.name = "os-flavor-access:is_public",
       .rule = SchemaField(T::kBoolean, false),
       .why = "It must be true or false."},
  };
  if (with_description) {
    s.fields.push_back({.name = "description",
                        .rule = SchemaField(T::kString, false).orNull().maxLength(65535),
                        .why = "It must be a string of at most 65535 characters."});
  }
  return s;
}

}  // namespace

std::string invalidField(const std::string& field, const json& value, const std::string& why) {
  return "Invalid input for field/attribute " + field +
         ". Value: " + (value.is_string() ? value.get<std::string>() : value.dump()) + ". " + why;
}

Result<const json*> checkBody(const json& doc, const BodySchema& schema) {
  auto bad = [](std::string m) { return Error::make(ErrorCode::kInvalidArgument, std::move(m)); };
  if (!doc.contains(schema.object) || !doc[schema.object].is_object()) {
    return bad("Invalid input: '" + schema.object + "' is a required object");
  }
  const json& body = doc[schema.object];
  for (const auto& [k, v] : body.items()) {
    bool known = false;
    for (const auto& f : schema.fields) known = known || f.name == k;
    for (const auto& a : schema.also_accepted) known = known || a == k;
    if (!known) return bad(filled(schema.unknown, k, joined(schema)));
  }
  for (const auto& f : schema.fields) {
    if (!body.contains(f.name)) {
      if (f.rule.required) return bad(f.required_message);
      continue;
    }
    const json& v = body[f.name];
    if (f.empty_string_is_absent && v.is_string() && v.get<std::string>().empty()) continue;
    auto broken = http::checkValue(v, f.rule);
    if (!broken) continue;
    if (auto own = f.why_for.find(*broken); own != f.why_for.end()) {
      return bad(invalidField(f.name, v, own->second));
    }
    if (*broken == SchemaRule::kBelowMinimum && f.says_minimum) {
      return bad(invalidField(f.name, v,
                              minimumText(http::numberOf(v)) + " is less than the minimum of " +
                                  minimumText(*f.rule.minimum) + "."));
    }
    return bad(invalidField(f.name, v, f.why));
  }
  return &body;
}

const BodySchema& flavorCreateSchema(ComputeVersion v) {
  static const BodySchema before = buildFlavorCreate(false);
  static const BodySchema with_description = buildFlavorCreate(true);
  return v.atLeast(kFlavorDescription) ? with_description : before;
}

const http::ObjectSchema& extraSpecsSchema() {
  static const http::ObjectSchema s{{{"extra_specs", SchemaField(T::kObject, true)}}, false};
  return s;
}

const http::SchemaField& extraSpecValueRule() {
  static const SchemaField rule = SchemaField(T::kString, true).maxLength(255);
  return rule;
}

const BodySchema& serverCreateSchema() {
  static const BodySchema s = [] {
    BodySchema b;
    b.object = "server";
    b.unknown = "Invalid input for server: '{key}' is not supported by Stratus; allowed: {allowed}";
    auto count = [](const std::string& name) {
      return BodyField{.name = name,
                       .rule = SchemaField(T::kIntegerOrDigits, false).range(1, 1),
                       .why = "It must be a whole number of at least 1.",
                       .why_for = {{SchemaRule::kAboveMaximum,
                                    "Stratus boots one server per request; allowed: 1."}}};
    };
    auto ref = [](const std::string& name) {
      return BodyField{
          .name = name,
          .rule = SchemaField(T::kString, true).length(1, SIZE_MAX),
          .why = "It must be a non-empty string.",
          .required_message = "Invalid input for server: '" + name + "' is a required property"};
    };
    b.fields = {
        nameField(true, "Invalid input for server: 'name' is a required property"),
        ref("imageRef"),
        ref("flavorRef"),
        count("min_count"),
        count("max_count"),
        // networks: its rules depend on the microversion (servers.cpp checks them).
        {.name = "networks", .rule = SchemaField(T::kAny, false)},
        // metadata: each entry is checked by servers.cpp.
        {.name = "metadata",
         .rule = SchemaField(T::kObject, false),
         .why = "It must be an object of strings."},
        {.name = "description", .rule = SchemaField(T::kAny, false)},
        // availability_zone: a zone name; servers.cpp checks that it exists.
        {.name = "availability_zone",
         .rule = SchemaField(T::kString, false).length(1, 255),
         .why = "It must be a string of 1 to 255 characters."},
    };
    b.also_accepted = {"return_reservation_id"};
    return b;
  }();
  return s;
}

const http::ObjectSchema& hostReportSchema() {
  static const http::ObjectSchema s{
      {{"provider_uuid", SchemaField(T::kString, true).withFormat(canonicalUuidFormat)},
       {"facts", SchemaField(T::kAny, true)},
       {"uptime", SchemaField(T::kString, false)},
       {"availability_zone", SchemaField(T::kString, false)},
       {"pci_owners", SchemaField(T::kObject, false)}},
      true};
  return s;
}

}  // namespace stratus::api::compute
