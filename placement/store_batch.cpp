#include "placement/store_batch.h"

#include <string>

namespace stratus::placement {

Status writeBatch(const WriteBatch& b, const BatchSql& sql, const RunStatement& run) {
  for (const auto* p : b.put_providers) {
    STRATUS_RETURN_IF_ERROR(run(sql.put_provider, {p->uuid, providerToJson(*p).dump()}));
  }
  for (const auto& u : b.delete_providers) STRATUS_RETURN_IF_ERROR(run(sql.delete_provider, {u}));
  for (const auto* c : b.put_consumers) {
    STRATUS_RETURN_IF_ERROR(run(sql.put_consumer, {c->uuid, consumerToJson(*c).dump()}));
  }
  for (const auto& u : b.delete_consumers) STRATUS_RETURN_IF_ERROR(run(sql.delete_consumer, {u}));
  for (const auto& t : b.put_traits) STRATUS_RETURN_IF_ERROR(run(sql.put_trait, {t}));
  for (const auto& t : b.delete_traits) STRATUS_RETURN_IF_ERROR(run(sql.delete_trait, {t}));
  for (const auto& [name, id] : b.put_resource_classes) {
    STRATUS_RETURN_IF_ERROR(run(sql.put_resource_class, {name, std::to_string(id)}));
  }
  for (const auto& n : b.delete_resource_classes) {
    STRATUS_RETURN_IF_ERROR(run(sql.delete_resource_class, {n}));
  }
  return okStatus();
}

std::vector<std::pair<const char*, std::string>> changedKeys(const WriteBatch& b) {
  std::vector<std::pair<const char*, std::string>> keys;
  for (const auto* p : b.put_providers) keys.emplace_back(kChangeProvider, p->uuid);
  for (const auto& u : b.delete_providers) keys.emplace_back(kChangeProvider, u);
  for (const auto* c : b.put_consumers) keys.emplace_back(kChangeConsumer, c->uuid);
  for (const auto& u : b.delete_consumers) keys.emplace_back(kChangeConsumer, u);
  for (const auto& t : b.put_traits) keys.emplace_back(kChangeTrait, t);
  for (const auto& t : b.delete_traits) keys.emplace_back(kChangeTrait, t);
  for (const auto& [name, id] : b.put_resource_classes) {
    keys.emplace_back(kChangeResourceClass, name);
  }
  for (const auto& n : b.delete_resource_classes) keys.emplace_back(kChangeResourceClass, n);
  return keys;
}

}  // namespace stratus::placement
