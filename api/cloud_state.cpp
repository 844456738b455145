#include "api/cloud_state.h"

namespace stratus::api {

Status CloudState::load() {
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
  STRATUS_RETURN_IF_ERROR(store_->put("flavor", r.id, toDoc(r)));
  flavors[r.id] = r;
  return okStatus();
}

Status CloudState::save(const ImageRecord& r) {
  STRATUS_RETURN_IF_ERROR(store_->put("image", r.id, toDoc(r)));
  images[r.id] = r;
  return okStatus();
}

Status CloudState::save(ServerRecord r) {
  r.updated = isoNow();
  STRATUS_RETURN_IF_ERROR(store_->put("server", r.id, toDoc(r)));
  servers[r.id] = std::move(r);
  return okStatus();
}

Status CloudState::save(const HostRecord& r) {
  STRATUS_RETURN_IF_ERROR(store_->put("host", r.name, toDoc(r)));
  hosts[r.name] = r;
  return okStatus();
}

Status CloudState::save(const ServiceRecord& r) {
  STRATUS_RETURN_IF_ERROR(store_->put("service", r.host, toDoc(r)));
  services[r.host] = r;
  return okStatus();
}

Status CloudState::save(const AggregateRecord& r) {
  STRATUS_RETURN_IF_ERROR(store_->put("aggregate", std::to_string(r.id), toDoc(r)));
  aggregates[r.id] = r;
  return okStatus();
}

Status CloudState::eraseAggregate(int id) {
  STRATUS_RETURN_IF_ERROR(store_->remove("aggregate", std::to_string(id)));
  aggregates.erase(id);
  return okStatus();
}

Status CloudState::eraseHost(const std::string& name) {
  STRATUS_RETURN_IF_ERROR(store_->remove("service", name));
  STRATUS_RETURN_IF_ERROR(store_->remove("host", name));
  if (auto it = hosts.find(name); it != hosts.end()) host_facts.erase(it->second.id);
  hosts.erase(name);
  services.erase(name);
  host_seen.erase(name);
  return okStatus();
}

Status CloudState::eraseFlavor(const std::string& id) {
  STRATUS_RETURN_IF_ERROR(store_->remove("flavor", id));
  flavors.erase(id);
  return okStatus();
}

Status CloudState::eraseImage(const std::string& id) {
  STRATUS_RETURN_IF_ERROR(store_->remove("image", id));
  images.erase(id);
  return okStatus();
}

Status CloudState::eraseServer(const std::string& id) {
  STRATUS_RETURN_IF_ERROR(store_->remove("server", id));
  servers.erase(id);
  return okStatus();
}

}  // namespace stratus::api
