// The generic HTTP pieces placement uses, named in its own namespace.
#pragma once

#include "http/message.h"
#include "http/router.h"

namespace stratus::placement {
using http::AuthContext;
using http::Handler;
using http::HttpRequest;
using http::HttpResponse;
using http::PathParams;
using http::percentDecode;
using http::reasonPhrase;
using http::RouteOptions;
using http::Router;
using http::splitPath;
using http::splitTarget;
}  // namespace stratus::placement
