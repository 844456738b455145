// What the compute and image APIs share: options and JSON helpers.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/auth.h"
#include "http/message.h"
#include "pci/pci_config.h"
#include "traits/catalog.h"
#include "virt/virt_config.h"

namespace stratus::api {

struct ApiOptions {
  AuthConfig auth;  // who may call (common/auth.h); policy is each handler's
  std::string compute_url = "http://127.0.0.1:8774";
  std::string image_url = "http://127.0.0.1:9292";
  virt::VirtConfig virt;
  traits::TraitsConfig traits;
  // [pci] as parsed at start: the aliases flavors may ask for (pci_passthrough:alias).
  pci::PciConfig pci;
  // [api] service_down_time (Nova's name): an agent that has not reported or asked for
  // work for this long is down (its service and hypervisor), and takes no new servers.
  std::chrono::seconds host_down_after{60};
  // [api] allow_unknown_extra_specs: store flavor extra specs in namespaces Stratus does
  // not act on instead of refusing them (scheduler/flavor_request.h checkExtraSpecHonoured).
  bool allow_unknown_extra_specs = false;
  // [api] conductor_workers: threads that schedule servers at once (api/conductor_pool.h).
  unsigned conductor_workers = 4;
};

http::HttpResponse jsonResponse(int status, const nlohmann::json& body);
http::HttpResponse emptyResponse(int status);

// The body as a JSON object, or the reason it is not one.
std::optional<nlohmann::json> parseJsonObject(const std::string& body, std::string& why);

}  // namespace stratus::api
