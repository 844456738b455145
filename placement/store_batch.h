// The one walk over a WriteBatch that every back end writes it with, each with its
// own SQL; and the keys a batch touches, which a shared store logs per commit.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "placement/store.h"

namespace stratus::placement {

// One statement per kind of change. Parameters: a put of a provider or consumer
// gets (uuid, JSON document); a put of a resource class (name, id as text); every
// delete and a trait put get (key).
struct BatchSql {
  const char* put_provider;
  const char* delete_provider;
  const char* put_consumer;
  const char* delete_consumer;
  const char* put_trait;
  const char* delete_trait;
  const char* put_resource_class;
  const char* delete_resource_class;
};

using RunStatement = std::function<Status(const char* sql, const std::vector<std::string>& args)>;

// Runs the batch's statements in a fixed order (providers, consumers, traits,
// classes; puts before deletes within each); stops at the first failure.
Status writeBatch(const WriteBatch& batch, const BatchSql& sql, const RunStatement& run);

// The kinds a change log names keys by.
inline constexpr const char* kChangeProvider = "provider";
inline constexpr const char* kChangeConsumer = "consumer";
inline constexpr const char* kChangeTrait = "trait";
inline constexpr const char* kChangeResourceClass = "resource_class";

// (kind, key) for every key the batch puts or deletes.
std::vector<std::pair<const char*, std::string>> changedKeys(const WriteBatch& batch);

}  // namespace stratus::placement
