// libFuzzer target: the JSON / Python-literal parser behind item2attributes.json and the Amazon
// 2014 metadata lines (core/data/literal_parser). Every input must either parse or fail with an
// offset inside the input and a cause; nothing else (no crash, no sanitizer report, no hang).
#include "core/data/literal_parser.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using irl4rec::data::detail::LiteralSyntax;
using irl4rec::data::detail::LiteralValue;
using irl4rec::data::detail::parseLiteral;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* begin = reinterpret_cast<const char*>(data);
  for (LiteralSyntax syntax : {LiteralSyntax::Json, LiteralSyntax::Python}) {
    LiteralValue value;
    int64_t offset = -1;
    QString cause;
    if (!parseLiteral(begin, begin + size, syntax, &value, &offset, &cause)) {
      if (offset < 0 || offset > int64_t(size) || cause.isEmpty()) std::abort();
    }
  }
  return 0;
}
