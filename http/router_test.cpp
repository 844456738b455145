#include "http/router.h"

#include <catch2/catch.hpp>

using namespace stratus::http;

TEST_CASE("routes capture path segments and report 405 with the allowed methods") {
  Router r;
  int hit = 0;
  r.add("GET", "/resource_providers/{uuid}/traits", [&](const HttpRequest&, const PathParams& p) {
    hit = 1;
    HttpResponse res;
    res.body = p.at(0);
    return res;
  });
  r.add("PUT", "/resource_providers/{uuid}/traits", [](auto&, auto&) { return HttpResponse{}; });
  r.add("DELETE", "/resource_providers/{uuid}/traits", [](auto&, auto&) { return HttpResponse{}; });

  auto m = r.match("GET", "/resource_providers/abc/traits");
  REQUIRE(m.kind == Router::Match::Kind::kFound);
  CHECK((*m.handler)(HttpRequest{}, m.params).body == "abc");
  CHECK(hit == 1);

  auto no_method = r.match("POST", "/resource_providers/abc/traits");
  CHECK(no_method.kind == Router::Match::Kind::kNoMethod);
  CHECK(no_method.allowed == "GET, PUT, DELETE");

  CHECK(r.match("GET", "/resource_providers/abc").kind == Router::Match::Kind::kNoPath);
  CHECK(r.match("GET", "/resource_providers//traits").kind == Router::Match::Kind::kNoPath);
  CHECK(r.match("GET", "/resource_providers/abc/traits/").kind == Router::Match::Kind::kNoPath);
}

TEST_CASE("targets split into a decoded path and query") {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  REQUIRE(splitTarget("/traits?name=startswith%3ACUSTOM_&x=a+b&flag", path, query));
  CHECK(path == "/traits");
  REQUIRE(query.size() == 3);
  CHECK(query[0] == std::pair<std::string, std::string>{"name", "startswith:CUSTOM_"});
  CHECK(query[1].second == "a b");
  CHECK(query[2] == std::pair<std::string, std::string>{"flag", ""});
  CHECK_FALSE(splitTarget("/x?a=%zz", path, query));
  CHECK_FALSE(splitTarget("/x?a=%2", path, query));
}
