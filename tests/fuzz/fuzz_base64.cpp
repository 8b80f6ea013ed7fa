// base64::decode against Qt's codec: it accepts exactly the canonical texts (what Qt decodes and
// encodes back to the same text), and gives Qt's bytes for them.

#include "base/base64.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text = cmeet::fuzz::view(data, size);
    const auto ours = cmeet::base64::decode(text);
    const auto qts = QByteArray::fromBase64Encoding(text, QByteArray::AbortOnBase64DecodingErrors);
    const bool canonical = qts.decodingStatus == QByteArray::Base64DecodingStatus::Ok && qts.decoded.toBase64() == text;
    cmeet::fuzz::check(ours.has_value() == canonical, "decode accepts exactly the canonical texts");
    if (ours)
        cmeet::fuzz::check(*ours == qts.decoded, "decode gives the bytes Qt gives");
    return 0;
}
