// ABI decoding of what a chain node returns (the registries' answers, logs): the first byte picks
// the types, the rest is the data. Nothing crashes or runs away on any data, and decoded values
// encode and decode again to the same values.

#include "chain/abi.h"
#include "fuzz_support.h"

#include <array>

namespace {

// The known-answer vectors' lists first (the seeds start with 0 and 1), then what c-meet
// decodes and the shapes that stress offsets: nested dynamic arrays and tuples.
constexpr std::array typeLists = {
    u"uint256,address,bytes32,bool",
    u"string,bytes,address[]",
    u"uint256",
    u"bool,address,bytes32",
    u"string",
    u"bytes,uint64",
    u"address[]",
    u"bytes32[2],uint8",
    u"(bytes32,uint64,address)",
    u"(bytes32,bytes,address)[]",
    u"string[][]",
    u"uint256,(address,bytes[])[],string",
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const auto types = cmeet::chain::abi::parseTypes(QStringView(typeLists[data[0] % typeLists.size()]));
    cmeet::fuzz::check(types.hasValue(), "the fixed type lists parse");
    const auto values = cmeet::chain::abi::decode(*types, cmeet::fuzz::view(data + 1, size - 1));
    if (!values)
        return 0;
    const auto encoded = cmeet::chain::abi::encode(*types, *values);
    cmeet::fuzz::check(encoded.hasValue(), "decoded values encode");
    const auto again = cmeet::chain::abi::decode(*types, *encoded);
    cmeet::fuzz::check(again.hasValue() && *again == *values, "encoded values decode to themselves");
    return 0;
}
