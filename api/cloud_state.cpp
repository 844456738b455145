#include "api/cloud_state.h"

namespace stratus::api {

// Only inside a write scope: outside one each save is its own commit and stays.
template <typename Map, typename Key>
void CloudState::remember(Map& map, const Key& key) {
  if (!in_write_) return;
  auto it = map.find(key);
  if (it == map.end()) {
    undo_.push_back([&map, key] { map.erase(key); });
  } else {
    undo_.push_back([&map, key, old = it->second] { map[key] = old; });
  }
}

Status CloudState::load() {
  // The sequence first: whatever commits while the documents are read is read again
  // by the first catch-up (it re-reads current documents, so applying twice is fine).
  auto seq = store_->latestSeq();
  if (!seq) return seq.takeError();
  STRATUS_RETURN_IF_ERROR(loadAll());
  applied_seq_.store(*seq);
  if (auto seen = store_->loadHeartbeats()) {
    for (const auto& [host, at] : *seen) host_seen[host] = std::max(host_seen[host], at);
  }
  return okStatus();
}

void CloudState::clearAll() {
  flavors.clear();
  images.clear();
  servers.clear();
  hosts.clear();
  services.clear();
  aggregates.clear();
  host_facts.clear();
}

Status CloudState::loadAll() {
  try {
    auto flavor_docs = store_->loadAll("flavor");
    if (!flavor_docs) return flavor_docs.takeError();
    for (const auto& d : *flavor_docs) {
      auto r = flavorFromDoc(d);
      flavors[r.id] = std::move(r);
    }
    auto image_docs = store_->loadAll("image");
    if (!image_docs) return image_docs.takeError();
    for (const auto& d : *image_docs) {
      auto r = imageFromDoc(d);
      images[r.id] = std::move(r);
    }
    auto server_docs = store_->loadAll("server");
    if (!server_docs) return server_docs.takeError();
    for (const auto& d : *server_docs) {
      auto r = serverFromDoc(d);
      servers[r.id] = std::move(r);
    }
    auto host_docs = store_->loadAll("host");
    if (!host_docs) return host_docs.takeError();
    for (const auto& d : *host_docs) {
      auto r = hostFromDoc(d);
      if (auto facts = virt::hostFactsFromJson(r.facts)) host_facts[r.id] = std::move(*facts);
      hosts[r.name] = std::move(r);
    }
    auto service_docs = store_->loadAll("service");
    if (!service_docs) return service_docs.takeError();
    for (const auto& d : *service_docs) {
      auto r = serviceFromDoc(d);
      services[r.host] = std::move(r);
    }
    auto aggregate_docs = store_->loadAll("aggregate");
    if (!aggregate_docs) return aggregate_docs.takeError();
    for (const auto& d : *aggregate_docs) {
      auto r = aggregateFromDoc(d);
      aggregates[r.id] = std::move(r);
    }
  } catch (const nlohmann::json::exception& e) {
    return Error::make(ErrorCode::kInternal,
                       std::string("a stored document does not read back: ") + e.what());
  }
  return okStatus();
}

Status CloudState::save(const FlavorRecord& r) {
  STRATUS_RETURN_IF_ERROR(noted(store_->put("flavor", r.id, toDoc(r))));
  remember(flavors, r.id);
  flavors[r.id] = r;
  return okStatus();
}

Status CloudState::save(const ImageRecord& r) {
  STRATUS_RETURN_IF_ERROR(noted(store_->put("image", r.id, toDoc(r))));
  remember(images, r.id);
  images[r.id] = r;
  return okStatus();
}

Status CloudState::save(ServerRecord r) {
  r.updated = isoNow();
  STRATUS_RETURN_IF_ERROR(noted(store_->put("server", r.id, toDoc(r))));
  remember(servers, r.id);
  servers[r.id] = std::move(r);
  return okStatus();
}

Status CloudState::save(const HostRecord& r) {
  STRATUS_RETURN_IF_ERROR(noted(store_->put("host", r.name, toDoc(r))));
  remember(hosts, r.name);
  // The facts are derived from the record, so an undone scope restores them with it.
  remember(host_facts, r.id);
  if (auto facts = virt::hostFactsFromJson(r.facts)) {
    host_facts[r.id] = std::move(*facts);
  } else {
    host_facts.erase(r.id);
  }
  hosts[r.name] = r;
  return okStatus();
}

Status CloudState::save(const ServiceRecord& r) {
  STRATUS_RETURN_IF_ERROR(noted(store_->put("service", r.host, toDoc(r))));
  remember(services, r.host);
  services[r.host] = r;
  return okStatus();
}

Status CloudState::save(const AggregateRecord& r) {
  STRATUS_RETURN_IF_ERROR(noted(store_->put("aggregate", std::to_string(r.id), toDoc(r))));
  remember(aggregates, r.id);
  aggregates[r.id] = r;
  return okStatus();
}

Status CloudState::eraseAggregate(int id) {
  STRATUS_RETURN_IF_ERROR(noted(store_->remove("aggregate", std::to_string(id))));
  remember(aggregates, id);
  aggregates.erase(id);
  return okStatus();
}

Status CloudState::eraseHost(const std::string& name) {
  STRATUS_RETURN_IF_ERROR(noted(store_->remove("service", name)));
  remember(services, name);
  services.erase(name);
  STRATUS_RETURN_IF_ERROR(noted(store_->remove("host", name)));
  remember(hosts, name);
  if (auto it = hosts.find(name); it != hosts.end()) {
    remember(host_facts, it->second.id);
    host_facts.erase(it->second.id);
  }
  hosts.erase(name);
  host_seen.erase(name);
  seen_written_.erase(name);
  return okStatus();
}

Status CloudState::eraseFlavor(const std::string& id) {
  STRATUS_RETURN_IF_ERROR(noted(store_->remove("flavor", id)));
  remember(flavors, id);
  flavors.erase(id);
  return okStatus();
}

Status CloudState::eraseImage(const std::string& id) {
  STRATUS_RETURN_IF_ERROR(noted(store_->remove("image", id)));
  remember(images, id);
  images.erase(id);
  return okStatus();
}

Status CloudState::eraseServer(const std::string& id) {
  STRATUS_RETURN_IF_ERROR(noted(store_->remove("server", id)));
  remember(servers, id);
  servers.erase(id);
  return okStatus();
}

}  // namespace stratus::api
