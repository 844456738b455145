#include <catch2/catch.hpp>

#include "common/auth.h"
#include "common/clock.h"
#include "common/exit_code.h"
#include "common/http_status.h"

namespace stratus {

TEST_CASE("every error code has one HTTP status and reads back as itself") {
  const std::vector<std::pair<ErrorCode, int>> table = {
      {ErrorCode::kInvalidArgument, 400},
      {ErrorCode::kUnauthenticated, 401},
      {ErrorCode::kPermissionDenied, 403},
      {ErrorCode::kNotFound, 404},
      {ErrorCode::kMethodNotAllowed, 405},
      {ErrorCode::kNotAcceptable, 406},
      {ErrorCode::kAlreadyExists, 409},
      {ErrorCode::kFailedPrecondition, 409},
      {ErrorCode::kConflict, 409},
      {ErrorCode::kPayloadTooLarge, 413},
      {ErrorCode::kUnsupportedMediaType, 415},
      {ErrorCode::kInternal, 500},
      {ErrorCode::kUnavailable, 503},
  };
  for (const auto& [code, status] : table) {
    INFO(errorCodeName(code));
    CHECK(httpStatusFor(code) == status);
  }
  // 409 reads back as a conflict (the REST client refines it); a peer's 500 is, for
  // its caller, a peer that cannot serve now.
  CHECK(errorCodeForHttpStatus(400) == ErrorCode::kInvalidArgument);
  CHECK(errorCodeForHttpStatus(404) == ErrorCode::kNotFound);
  CHECK(errorCodeForHttpStatus(409) == ErrorCode::kConflict);
  CHECK(errorCodeForHttpStatus(422) == ErrorCode::kInvalidArgument);
  CHECK(errorCodeForHttpStatus(500) == ErrorCode::kUnavailable);
  CHECK(errorCodeForHttpStatus(503) == ErrorCode::kUnavailable);
}

TEST_CASE("bad input and impossible requests exit 2, everything else 1") {
  CHECK(exitCodeFor(Error::invalid("k", "v", "a, b")) == 2);
  CHECK(exitCodeFor(Error::precondition("k", "v", "host cannot")) == 2);
  CHECK(exitCodeFor(Error::make(ErrorCode::kUnavailable, "libvirt down")) == 1);
  CHECK(exitCodeFor(Error::make(ErrorCode::kInternal, "bug")) == 1);
}

TEST_CASE("noauth: USER[:PROJECT], the user admin is an admin, X-Roles replaces roles") {
  const AuthConfig noauth;
  auto who = [&](std::map<std::string, std::string> headers) {
    return authenticate(noauth, headers);
  };
  auto missing = who({});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kUnauthenticated);
  CHECK(missing.error().message == "No X-Auth-Token was given.");
  CHECK_FALSE(who({{"x-auth-token", ""}}));

  auto admin = who({{"x-auth-token", "admin"}});
  REQUIRE(admin);
  CHECK(admin->admin());
  CHECK(admin->user_id == "admin");
  CHECK(admin->project_id == "admin");

  auto admin_in = who({{"x-auth-token", "admin:demo"}});
  REQUIRE(admin_in);
  CHECK(admin_in->admin());
  CHECK(admin_in->project_id == "demo");

  auto member = who({{"x-auth-token", "alice:demo"}});
  REQUIRE(member);
  CHECK_FALSE(member->admin());
  CHECK(member->user_id == "alice");
  CHECK(member->project_id == "demo");

  auto reader = who({{"x-auth-token", "alice"}, {"x-roles", "reader, member"}});
  REQUIRE(reader);
  CHECK(reader->project_id == "alice");
  CHECK(reader->hasRole("reader"));
  CHECK(reader->hasRole("member"));
  CHECK_FALSE(reader->admin());
}

TEST_CASE("token auth: only the file's tokens, with their roles; X-Roles is not trusted") {
  AuthConfig config{AuthMode::kToken, {{"s3cret", "admin"}, {"ro", "reader"}}};
  auto unknown = authenticate(config, {{"x-auth-token", "admin"}});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "The X-Auth-Token is missing or not valid.");
  auto ro = authenticate(config, {{"x-auth-token", "ro"}, {"x-roles", "admin"}});
  REQUIRE(ro);
  CHECK_FALSE(ro->admin());
  CHECK(ro->hasRole("reader"));
  auto adm = authenticate(config, {{"x-auth-token", "s3cret"}});
  REQUIRE(adm);
  CHECK(adm->admin());
}

TEST_CASE("auth modes parse, and a bad one names the key and the choices") {
  CHECK(*parseAuthMode("[api] auth", "token") == AuthMode::kToken);
  auto bad = parseAuthMode("[api] auth", "keystone");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "[api] auth='keystone' is invalid; allowed: noauth, token");
}

TEST_CASE("simulated time moves only when told, and records each sleep") {
  SimulatedClock clock;
  const auto start = clock.now();
  const auto mono = clock.monotonic();
  std::atomic<bool> stop{false};
  CHECK(clock.sleepFor(std::chrono::milliseconds(1500), stop));
  clock.advance(std::chrono::milliseconds(500));
  CHECK(clock.now() - start == std::chrono::seconds(2));
  CHECK(clock.monotonic() - mono == std::chrono::seconds(2));
  CHECK(clock.unixSeconds() == 1'800'000'002);
  CHECK(clock.isoTime() == "2027-01-15T08:00:02Z");
  stop = true;
  CHECK_FALSE(clock.sleepFor(std::chrono::milliseconds(10), stop));
  CHECK(clock.sleeps() == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(1500)});
}

TEST_CASE("the real clock's sleep ends early when stopped") {
  std::atomic<bool> stop{true};
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(realClock().sleepFor(std::chrono::seconds(5), stop));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
}

}  // namespace stratus
