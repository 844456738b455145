// RAII for the libxml2 handles virt/'s XML parsers hold (documents, XPath contexts
// and results), shared by capabilities_parse.cpp and nodedev_parse.cpp.
#pragma once

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <memory>

namespace stratus::virt::xml {

struct DocFree {
  void operator()(xmlDocPtr d) const { xmlFreeDoc(d); }
};
struct ContextFree {
  void operator()(xmlXPathContextPtr c) const { xmlXPathFreeContext(c); }
};
struct ObjectFree {
  void operator()(xmlXPathObjectPtr o) const { xmlXPathFreeObject(o); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;
using Context = std::unique_ptr<xmlXPathContext, ContextFree>;
using Object = std::unique_ptr<xmlXPathObject, ObjectFree>;

inline const xmlChar* X(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

}  // namespace stratus::virt::xml
