// RLP decoding is strict (one encoding per item), so whatever decodes re-encodes to the input.

#include "chain/rlp.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes = cmeet::fuzz::view(data, size);
    const auto item = cmeet::chain::rlp::decode(bytes);
    if (item)
        cmeet::fuzz::check(cmeet::chain::rlp::encode(*item) == bytes, "a decoded item re-encodes to its input");
    return 0;
}
