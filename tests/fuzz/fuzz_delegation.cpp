// Session-key delegations (DESIGN.md §4): any JSON object is read without a crash; one that is
// accepted writes back to JSON that reads again to the same fields and signer.

#include "fuzz_support.h"
#include "protocol/canonical_json.h"
#include "protocol/delegation.h"

#include <QJsonObject>

using cmeet::protocol::Delegation;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto value = cmeet::protocol::json::parseCanonical(cmeet::fuzz::view(data, size));
    if (!value || !value->isObject())
        return 0;
    for (const auto rule : {cmeet::protocol::SignerRule::IdentityKey, cmeet::protocol::SignerRule::AnyKey}) {
        const auto delegation = Delegation::fromJson(value->toObject(), rule);
        if (!delegation)
            continue;
        const auto again = Delegation::fromJson(delegation->toJson(), rule);
        cmeet::fuzz::check(again.hasValue(), "an accepted delegation's JSON is accepted again");
        const Delegation::Fields &a = delegation->fields();
        const Delegation::Fields &b = again->fields();
        cmeet::fuzz::check(a.identity == b.identity && a.session == b.session && a.meeting == b.meeting && a.relay == b.relay
                               && a.expires == b.expires && a.nonce == b.nonce,
                           "the same fields read twice");
        cmeet::fuzz::check(delegation->signer() == again->signer(), "the same signer read twice");
        if (rule == cmeet::protocol::SignerRule::IdentityKey)
            cmeet::fuzz::check(delegation->signer() == a.identity, "an identity-key delegation is signed by the identity");
    }
    return 0;
}
