// The one mapping between ErrorCode and HTTP status, in both directions: services
// render an Error with httpStatusFor(), and the REST client turns a peer's status
// back into an ErrorCode with errorCodeForHttpStatus(). Nothing else picks a status
// for an error (STYLE.md "Errors"; Envoy keeps both directions of its gRPC mapping
// in one file, source/common/grpc/status.cc, for the same reason).
#pragma once

#include "common/error.h"

namespace stratus {

// InvalidArgument 400, Unauthenticated 401, PermissionDenied 403, NotFound 404,
// MethodNotAllowed 405, NotAcceptable 406, AlreadyExists/FailedPrecondition/Conflict
// 409, PayloadTooLarge 413, UnsupportedMediaType 415, Internal 500, Unavailable 503.
int httpStatusFor(ErrorCode code);

// The inverse, for a peer's error status (>= 400). 409 is Conflict: the caller
// re-reads and redoes (a generation moved, or a concurrent write won); other 4xx
// without a mapping are InvalidArgument. Every 5xx is Unavailable: whatever went
// wrong inside the peer, for its caller it is a peer that cannot serve now (retry).
ErrorCode errorCodeForHttpStatus(int status);

}  // namespace stratus
