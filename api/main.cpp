// stratus-api: the compute API (Nova v2.1 subset) and the image API (Glance v2 subset),
// with the conductor that schedules servers through placement.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "api/compute/compute_api.h"
#include "api/conductor.h"
#include "api/conductor_pool.h"
#include "api/image/image_api.h"
#include "api/service_rules.h"
#include "common/db_url.h"
#include "common/auth.h"
#include "common/exit_code.h"
#include "common/ini_config.h"
#include "common/log.h"
#include "common/token_file.h"
#include "http/request_log.h"
#include "http/server.h"
#include "pci/pci_config.h"
#include "virt/guest_request.h"

namespace {

using namespace stratus;
using namespace stratus::api;

int fail(const Error& e) {
  std::cerr << "stratus-api: " << e.message << "\n";
  return exitCodeFor(e);
}

template <typename Service>
http::RequestHandler logged(Service* svc, const char* which) {
  return http::withRequestLog(
      [svc](http::HttpRequest& r) { return svc->handle(r); },
      {which, [](const std::string& line) { logLine(line); },
       // Agents poll for work every second; only what changes something is worth a line.
       [](const http::HttpRequest& r, const http::HttpResponse& res) {
         return res.status == 200 && r.method == "GET" &&
                r.path.rfind("/stratus/v1/hosts/", 0) == 0;
       }});
}

}  // namespace

int main(int argc, char** argv) {
  setLogProgram("stratus-api");
  CLI::App app{"stratus-api: compute (Nova v2.1 subset) and image (Glance v2 subset) APIs"};
  std::string config_path, bind = "127.0.0.1:8774", image_bind = "127.0.0.1:9292",
                           db = "sqlite:///var/lib/stratus/api.db", placement_url, auth = "noauth",
                           token_file, placement_token;
  unsigned threads = 4;
  app.add_option("--config", config_path, "INI file: [api], [placement], [libvirt], [traits]");
  auto* bind_opt = app.add_option("--bind", bind, "compute API HOST:PORT (127.0.0.1:8774)");
  auto* image_opt =
      app.add_option("--image-bind", image_bind, "image API HOST:PORT (127.0.0.1:9292)");
  auto* db_opt = app.add_option("--db", db, "sqlite:///PATH or postgresql://USER[:PASS]@HOST[:PORT]/DB");
  auto* placement_opt = app.add_option("--placement-url", placement_url,
                                       "placement base URL (http://127.0.0.1:8778)");
  auto* auth_opt =
      app.add_option("--auth", auth, "noauth or token")->check(CLI::IsMember({"noauth", "token"}));
  auto* token_opt =
      app.add_option("--token-file", token_file, "tokens and roles, for --auth token");
  app.add_option("--threads", threads, "worker threads per API")->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "stratus-api: " << e.what() << "\n";
    return 2;
  }
  ApiOptions options;
  // Behind a load balancer, links name its address, not this instance's bind address.
  std::string compute_link_prefix, image_public_endpoint;
  std::string placement_default = "http://127.0.0.1:8778";
  if (!config_path.empty()) {
    auto ini = IniConfig::load(config_path);
    if (!ini) return fail(ini.error());
    // [pci] is checked at start, as by every command that reads the config.
    auto pci = pci::pciConfigFrom(*ini);
    if (!pci) return fail(pci.error());
    options.pci = std::move(*pci);
    if (auto s = requireKnownKeys(*ini, "api",
                                  {"bind", "image_bind", "db", "auth", "token_file",
                                   "service_down_time", "allow_unknown_extra_specs",
                                   "compute_link_prefix", "image_public_endpoint",
                                   "conductor_workers"});
        !s)
      return fail(s.error());
    if (auto v = ini->get("api", "service_down_time")) {
      auto seconds = parseServiceDownTime(*v);
      if (!seconds) return fail(seconds.error());
      options.host_down_after = *seconds;
    }
    if (auto v = ini->get("api", "compute_link_prefix")) {
      auto prefix = parseLinkPrefix("[api] compute_link_prefix", *v);
      if (!prefix) return fail(prefix.error());
      compute_link_prefix = *prefix;
    }
    if (auto v = ini->get("api", "image_public_endpoint")) {
      auto prefix = parseLinkPrefix("[api] image_public_endpoint", *v);
      if (!prefix) return fail(prefix.error());
      image_public_endpoint = *prefix;
    }
    if (auto v = ini->get("api", "conductor_workers")) {
      auto workers = parseConductorWorkers(*v);
      if (!workers) return fail(workers.error());
      options.conductor_workers = *workers;
    }
    if (auto v = ini->get("api", "allow_unknown_extra_specs")) {
      auto allow = virt::parseBoolSpec(*v, "[api] allow_unknown_extra_specs");
      if (!allow) return fail(allow.error());
      options.allow_unknown_extra_specs = *allow;
    }
    if (auto v = ini->get("api", "bind"); v && bind_opt->count() == 0) bind = *v;
    if (auto v = ini->get("api", "image_bind"); v && image_opt->count() == 0) image_bind = *v;
    if (auto v = ini->get("api", "db"); v && db_opt->count() == 0) db = *v;
    if (auto v = ini->get("api", "auth"); v && auth_opt->count() == 0) auth = *v;
    if (auto v = ini->get("api", "token_file"); v && token_opt->count() == 0) token_file = *v;
    if (auto v = ini->get("placement", "url")) placement_default = *v;
    if (auto v = ini->get("placement", "auth_token")) placement_token = *v;
    auto virt = virt::virtConfigFrom(*ini);
    if (!virt) return fail(virt.error());
    options.virt = *virt;
    auto traits = traits::traitsConfigFrom(*ini);
    if (!traits) return fail(traits.error());
    options.traits = *traits;
  }
  auto auth_mode = parseAuthMode(config_path.empty() ? "--auth" : "[api] auth", auth);
  if (!auth_mode) return fail(auth_mode.error());
  if (placement_opt->count() == 0) placement_url = placement_default;
  auto compute_ep = http::parseBind(bind, "--bind");
  if (!compute_ep) return fail(compute_ep.error());
  auto image_ep = http::parseBind(image_bind, "--image-bind");
  if (!image_ep) return fail(image_ep.error());
  options.auth.mode = *auth_mode;
  if (options.auth.mode == AuthMode::kToken) {
    if (token_file.empty())
      return fail(Error::invalid("--token-file", "", "a file of TOKEN ROLES lines",
                                 "--auth token needs tokens"));
    auto tokens = loadTokenFile(token_file);
    if (!tokens) return fail(tokens.error());
    options.auth.tokens = std::move(*tokens);
    // The conductor speaks to placement as an admin of the same token file.
    if (placement_token.empty()) {
      for (const auto& [t, roles] : options.auth.tokens) {
        if (hasRole(roles, "admin")) placement_token = t;
      }
    }
  }
  if (placement_token.empty()) placement_token = "admin";
  options.compute_url = "http://" + compute_ep->first + ":" + std::to_string(compute_ep->second);
  options.image_url = "http://" + image_ep->first + ":" + std::to_string(image_ep->second);
  if (!compute_link_prefix.empty()) options.compute_url = compute_link_prefix;
  if (!image_public_endpoint.empty()) options.image_url = image_public_endpoint;

  auto store = openDocStore(db);
  if (!store) return fail(store.error());
  CloudState state(std::move(*store));
  if (auto s = state.load(); !s) return fail(s.error());

  placement_client::ClientOptions client_options;
  client_options.base_url = placement_url;
  client_options.token = placement_token;
  client_options.microversion = "1.39";
  auto placement = placement_client::PlacementClient::create(client_options);
  if (!placement) return fail(placement.error());

  ComputeApi compute(state, options, placement->get());
  ImageApi images(state, options);
  http::ServerOptions compute_server;
  compute_server.host = compute_ep->first;
  compute_server.port = compute_ep->second;
  compute_server.threads = threads;
  compute_server.error_response = [&compute](int status, const std::string& m) {
    return compute.errorFor(status, m);
  };
  http::ServerOptions image_server = compute_server;
  image_server.host = image_ep->first;
  image_server.port = image_ep->second;
  // Image uploads are counted and dropped, but they arrive whole.
  image_server.body_limit = 64 * 1024 * 1024;
  image_server.error_response = [&images](int status, const std::string& m) {
    return images.errorFor(status, m);
  };

  // Signals are taken on this thread only, before any other thread starts.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto compute_http = http::HttpServer::start(compute_server, logged(&compute, "compute"));
  if (!compute_http) return fail(compute_http.error());
  auto image_http = http::HttpServer::start(image_server, logged(&images, "image"));
  if (!image_http) return fail(image_http.error());
  Conductor conductor(state, **placement, options);
  conductor.start();
  logLine("compute API on " + bind + ", image API on " + image_bind + ", links " +
          options.compute_url + " and " + options.image_url +
          ", placement " + placement_url + ", db " + redactDbUrl(db));
  int sig = 0;
  sigwait(&set, &sig);
  logLine("stopping on signal " + std::to_string(sig));
  conductor.stop();
  (*compute_http)->stop();
  (*image_http)->stop();
  return 0;
}
