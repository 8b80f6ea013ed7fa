// Events from the wire (DESIGN.md §3): fromWire accepts only canonical bytes, so an accepted
// event's wire bytes are the input; its schema check and signer recovery never crash, and a
// second parse of its bytes gives the same id and signer.

#include "fuzz_support.h"
#include "protocol/event.h"
#include "protocol/schema_validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cmeet::fuzz::ensureApplication();
    static const auto schemas = cmeet::protocol::SchemaValidator::load();
    cmeet::fuzz::check(schemas.hasValue(), "the compiled-in schemas load");
    const QByteArray bytes = cmeet::fuzz::view(data, size);
    const auto event = cmeet::protocol::Event::fromWire(bytes);
    if (!event)
        return 0;
    cmeet::fuzz::check(event->wireBytes() == bytes, "an accepted event's wire bytes are its input");
    cmeet::fuzz::check(event->id().size() == 32, "an id has 32 bytes");
    (void)(*schemas)->validate(*event);
    const auto signer = event->recoverSigner();
    const auto again = cmeet::protocol::Event::fromWire(event->wireBytes());
    cmeet::fuzz::check(again.hasValue() && again->id() == event->id(), "its bytes parse again to the same id");
    const auto signerAgain = again->recoverSigner();
    cmeet::fuzz::check(signer.hasValue() == signerAgain.hasValue() && (!signer || *signer == *signerAgain), "the same signer is recovered twice");
    return 0;
}
