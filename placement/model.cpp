#include "placement/model.h"

namespace stratus::placement {

using nlohmann::json;

json providerToJson(const Provider& p) {
  json inv = json::object();
  for (const auto& [rc, i] : p.inventories) {
    inv[rc] = {{"total", i.total},         {"reserved", i.reserved},
               {"min_unit", i.min_unit},   {"max_unit", i.max_unit},
               {"step_size", i.step_size}, {"allocation_ratio", i.allocation_ratio}};
  }
  return {{"uuid", p.uuid},
          {"name", p.name},
          {"generation", p.generation},
          {"parent_uuid", p.parent_uuid},
          {"root_uuid", p.root_uuid},
          {"inventories", inv},
          {"traits", p.traits},
          {"aggregates", p.aggregates},
          {"created_at", p.created_at},
          {"updated_at", p.updated_at}};
}

Provider providerFromJson(const json& j) {
  Provider p;
  p.uuid = j.at("uuid");
  p.name = j.at("name");
  p.generation = j.at("generation");
  p.parent_uuid = j.at("parent_uuid");
  p.root_uuid = j.at("root_uuid");
  for (const auto& [rc, i] : j.at("inventories").items()) {
    p.inventories[rc] = Inventory{i.at("total"),    i.at("reserved"),  i.at("min_unit"),
                                  i.at("max_unit"), i.at("step_size"), i.at("allocation_ratio")};
  }
  p.traits = j.at("traits").get<std::set<std::string>>();
  p.aggregates = j.at("aggregates").get<std::set<std::string>>();
  p.created_at = j.value("created_at", 0);
  p.updated_at = j.value("updated_at", 0);
  return p;
}

json consumerToJson(const Consumer& c) {
  return {{"uuid", c.uuid},
          {"project_id", c.project_id},
          {"user_id", c.user_id},
          {"consumer_type", c.consumer_type},
          {"generation", c.generation},
          {"allocations", c.allocations},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at}};
}

Consumer consumerFromJson(const json& j) {
  Consumer c;
  c.uuid = j.at("uuid");
  c.project_id = j.at("project_id");
  c.user_id = j.at("user_id");
  c.consumer_type = j.at("consumer_type");
  c.generation = j.at("generation");
  c.allocations = j.at("allocations").get<std::map<std::string, ResourceAmounts>>();
  c.created_at = j.value("created_at", 0);
  c.updated_at = j.value("updated_at", 0);
  return c;
}

}  // namespace stratus::placement
