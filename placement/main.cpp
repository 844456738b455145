// stratus-placement: the Placement-compatible REST service.

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/db_url.h"
#include "common/exit_code.h"
#include "common/ini_config.h"
#include "common/token_file.h"
#include "http/server.h"
#include "placement/service.h"
#include "placement/service_util.h"
#include "placement/store.h"

namespace {

using namespace stratus;
using namespace stratus::placement;
using namespace stratus::http;

std::mutex log_mu;

void logLine(const std::string& line) {
  std::lock_guard lock(log_mu);
  std::cout << line << std::endl;
}

int fail(const Error& e) {
  std::cerr << "stratus-placement: " << e.message << "\n";
  return exitCodeFor(e);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"stratus-placement: a Placement-compatible REST service"};
  std::string config_path, bind = "127.0.0.1:8778", db = "sqlite:///var/lib/stratus/placement.db",
                           auth = "noauth", token_file;
  unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  app.add_option("--config", config_path, "INI file; [placement] bind, db, auth, token_file");
  auto* bind_opt = app.add_option("--bind", bind, "HOST:PORT");
  auto* db_opt = app.add_option("--db", db, "sqlite:///PATH or postgresql://USER[:PASS]@HOST[:PORT]/DB");
  auto* auth_opt =
      app.add_option("--auth", auth, "noauth or token")->check(CLI::IsMember({"noauth", "token"}));
  auto* token_opt =
      app.add_option("--token-file", token_file, "tokens and roles, for --auth token");
  app.add_option("--threads", threads,
                 "event-loop threads; each connection stays on one (default: cores, at least 2)")
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "stratus-placement: " << e.what() << "\n";
    return 2;
  }
  if (!config_path.empty()) {
    auto ini = IniConfig::load(config_path);
    if (!ini) return fail(ini.error());
    if (auto s = requireKnownKeys(*ini, "placement",
                                  {"bind", "db", "auth", "token_file", "url", "auth_token"});
        !s) {
      return fail(s.error());
    }
    // Flags win over the file.
    if (auto v = ini->get("placement", "bind"); v && bind_opt->count() == 0) bind = *v;
    if (auto v = ini->get("placement", "db"); v && db_opt->count() == 0) db = *v;
    if (auto v = ini->get("placement", "auth"); v && auth_opt->count() == 0) auth = *v;
    if (auto v = ini->get("placement", "token_file"); v && token_opt->count() == 0) token_file = *v;
    if (auth != "noauth" && auth != "token") {
      return fail(Error::invalid("[placement] auth", auth, "noauth, token"));
    }
  }
  auto endpoint = parseBind(bind, "--bind");
  if (!endpoint) return fail(endpoint.error());

  ServiceOptions options;
  options.log = [](const std::string& line) { logLine(line); };
  if (auth == "token") {
    if (token_file.empty()) {
      return fail(Error::invalid("--token-file", "", "a file of TOKEN ROLES lines",
                                 "--auth token needs tokens"));
    }
    auto tokens = loadTokenFile(token_file);
    if (!tokens) return fail(tokens.error());
    options.auth = AuthMode::kToken;
    options.tokens = std::move(*tokens);
  }
  auto store = openStore(db);
  if (!store) return fail(store.error());
  auto service = PlacementService::create(std::move(*store), options);
  if (!service) return fail(service.error());
  PlacementService* svc = service->get();

  ServerOptions server_options;
  server_options.host = endpoint->first;
  server_options.port = endpoint->second;
  server_options.threads = threads;
  server_options.error_response = [svc](int status, const std::string& detail) {
    return svc->errorFor(status, detail);
  };
  auto server = HttpServer::start(server_options, [svc](HttpRequest& r) { return svc->handle(r); });
  if (!server) return fail(server.error());
  logLine("stratus-placement listening on " + endpoint->first + ":" +
          std::to_string((*server)->port()) + " db " + redactDbUrl(db));

  // Block the signals here and wait for one on this thread, so no handler runs
  // inside a worker.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  logLine("stratus-placement stopping on signal " + std::to_string(sig));
  (*server)->stop();
  return 0;
}
