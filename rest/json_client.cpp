#include "rest/json_client.h"

#include <cpprest/http_client.h>

#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <utility>

#include "common/http_status.h"
#include "common/log.h"

namespace stratus::rest {
namespace {

using nlohmann::json;

class CppRestJsonClient final : public JsonClient {
 public:
  explicit CppRestJsonClient(JsonClientOptions options)
      : options_(std::move(options)), client_(options_.base_url, configFor(options_)) {}

  const std::string& baseUrl() const override { return options_.base_url; }

  Result<Response> call(const std::string& method, const std::string& path_and_query,
                        const std::optional<json>& body) override {
    const std::string what = options_.service_name + " " + method + " " + path_and_query;
    try {
      web::http::http_request request(method);
      request.set_request_uri(path_and_query);
      for (const auto& [k, v] : options_.headers) request.headers().add(k, v);
      if (body) request.set_body(body->dump(), "application/json");
      // cpprestsdk's own timeout restarts on every chunk, so a peer that trickles or a
      // half-open connection can hold a call far longer than asked. The whole request
      // (connect, send, answer, body) gets one hard bound here, and an overrun is logged.
      auto answer = std::make_shared<std::promise<std::pair<int, std::string>>>();
      auto answered = answer->get_future();
      pplx::cancellation_token_source cancel;
      const auto started = std::chrono::steady_clock::now();
      client_.request(request, cancel.get_token())
          .then([](const web::http::http_response& response) {
            return response.extract_string(true).then(
                [status = response.status_code()](const std::string& text) {
                  return std::make_pair(static_cast<int>(status), text);
                });
          })
          .then([answer](const pplx::task<std::pair<int, std::string>>& done) {
            try {
              answer->set_value(done.get());
            } catch (...) {
              answer->set_exception(std::current_exception());
            }
          });
      if (answered.wait_for(options_.timeout) != std::future_status::ready) {
        cancel.cancel();
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        const std::string message = what + ": no answer within its bound of " +
                                    std::to_string(options_.timeout.count()) +
                                    " ms (gave up after " + std::to_string(took.count()) + " ms)";
        logLine(message);
        return Error::make(ErrorCode::kUnavailable, message);
      }
      auto [status, raw] = answered.get();
      json parsed = raw.empty() ? json() : json::parse(raw, nullptr, false);
      if (parsed.is_discarded()) {
        if (status >= 200 && status < 300) {
          return Error::make(
              ErrorCode::kUnavailable,
              what + ": answered " + std::to_string(status) + " with a body that is not JSON");
        }
        parsed = json();
      }
      if (status >= 200 && status < 300) return Response{status, std::move(parsed)};
      std::string text = options_.error_text ? options_.error_text(parsed) : std::string();
      if (text.empty()) text = raw.substr(0, 200);
      const std::string message = what + ": HTTP " + std::to_string(status) + ": " + text;
      Error error = Error::make(errorCodeForHttpStatus(status), message);
      if (options_.service_code) error.service_code = options_.service_code(parsed);
      if (error.code == ErrorCode::kConflict &&
          !(options_.is_retryable_conflict && options_.is_retryable_conflict(parsed))) {
        // Only a moved generation is worth re-reading; a name already taken or a
        // resource in use stays refused however often the caller retries.
        error.code = options_.is_already_exists && options_.is_already_exists(parsed)
                         ? ErrorCode::kAlreadyExists
                         : ErrorCode::kFailedPrecondition;
      }
      return error;
    } catch (const std::exception& e) {
      return Error::make(ErrorCode::kUnavailable,
                         what + ": cannot reach " + options_.base_url + ": " + e.what());
    }
  }

 private:
  static web::http::client::http_client_config configFor(const JsonClientOptions& options) {
    web::http::client::http_client_config config;
    config.set_timeout(options.timeout);
    return config;
  }

  JsonClientOptions options_;
  web::http::client::http_client client_;
};

}  // namespace

Result<std::unique_ptr<JsonClient>> JsonClient::create(JsonClientOptions options) {
  try {
    web::uri uri(options.base_url);
    if (uri.scheme() != "http" && uri.scheme() != "https") {
      return Error::invalid(options.service_name + " url", options.base_url,
                            "an http:// or https:// URL");
    }
    return std::unique_ptr<JsonClient>(std::make_unique<CppRestJsonClient>(std::move(options)));
  } catch (const std::exception& e) {
    return Error::invalid(options.service_name + " url", options.base_url,
                          "an http:// or https:// URL", e.what());
  }
}

}  // namespace stratus::rest
