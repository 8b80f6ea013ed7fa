// Canonical JSON (DESIGN.md §3): whatever parses is the one encoding of its value, so it
// serialises back to the very same bytes; the fast parse (check, then Qt's parser) and the
// building parse agree; nothing crashes or hangs on any input.

#include "fuzz_support.h"
#include "protocol/canonical_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes = cmeet::fuzz::view(data, size);
    const auto value = cmeet::protocol::json::parseCanonical(bytes);
    const auto built = cmeet::protocol::json::parseCanonicalByBuilding(bytes);
    cmeet::fuzz::check(value.hasValue() == built.hasValue(), "checking then Qt's parser accepts what building accepts");
    if (!value) {
        cmeet::fuzz::check(value.error().offset >= 0 && value.error().offset <= bytes.size(), "an error's offset is inside the input");
        return 0;
    }
    cmeet::fuzz::check(*value == *built, "checking then Qt's parser reads what building reads");
    const auto again = cmeet::protocol::json::serialize(*value);
    cmeet::fuzz::check(again.hasValue(), "a parsed value serialises");
    cmeet::fuzz::check(*again == bytes, "a parsed value serialises to the bytes it came from");
    return 0;
}
