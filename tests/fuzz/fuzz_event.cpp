// Events from the wire (DESIGN.md §3): fromWire accepts only canonical bytes, so an accepted
// event's wire bytes are the input; it reads what building the whole object reads (the same
// event or the same error); its schema check and signer recovery never crash, the compiled
// content schema agrees with valijson, and a second parse of its bytes gives the same id and signer.

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
    // The usual layout read straight from the bytes, or the whole object built: the same answer.
    const auto built = cmeet::protocol::Event::fromWireByBuilding(bytes);
    cmeet::fuzz::check(event.hasValue() == built.hasValue(), "fromWire and fromWireByBuilding agree on accepting");
    if (!event) {
        cmeet::fuzz::check(event.error().code == built.error().code && event.error().detail == built.error().detail,
                           "fromWire and fromWireByBuilding give the same error");
        return 0;
    }
    cmeet::fuzz::check(event->type() == built->type() && event->meeting() == built->meeting() && event->by() == built->by()
                           && event->ref() == built->ref() && event->ts() == built->ts() && event->content() == built->content()
                           && event->id() == built->id() && event->signature() == built->signature() && event->toJson() == built->toJson(),
                       "fromWire and fromWireByBuilding read the same event");
    cmeet::fuzz::check(event->wireBytes() == bytes, "an accepted event's wire bytes are its input");
    cmeet::fuzz::check(event->id().size() == 32, "an id has 32 bytes");
    // The compiled content schema accepts only what valijson, the reference, accepts; the verdict is valijson's.
    const bool reference = (*schemas)->validateContentByReference(event->type(), event->content()).hasValue();
    cmeet::fuzz::check(!(*schemas)->compiledAccepts(event->type(), event->content()).value_or(false) || reference,
                       "what the compiled schema accepts, valijson accepts");
    cmeet::fuzz::check((*schemas)->validateContent(event->type(), event->content()).hasValue() == reference, "the content's verdict is valijson's");
    (void)(*schemas)->validate(*event);
    const auto signer = event->recoverSigner();
    const auto again = cmeet::protocol::Event::fromWire(event->wireBytes());
    cmeet::fuzz::check(again.hasValue() && again->id() == event->id(), "its bytes parse again to the same id");
    const auto signerAgain = again->recoverSigner();
    cmeet::fuzz::check(signer.hasValue() == signerAgain.hasValue() && (!signer || *signer == *signerAgain), "the same signer is recovered twice");
    return 0;
}
