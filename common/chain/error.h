#pragma once

#include <QString>

namespace cmeet::chain {

enum class ErrorCode {
    InvalidNumber,      // text that is not a number in the expected notation
    Overflow,           // a number too large for its type (256 bits, 64 bits, uintN)
    Truncated,          // input ends before the item it announces
    NonCanonical,       // RLP: a length or single byte not in its one minimal encoding
    TrailingBytes,      // input continues after the single item it should hold
    TooDeep,            // nesting deeper than we accept (guards the stack)
    UnexpectedShape,    // a list where a byte string belongs, a wrong item count, ...
    InvalidType,        // an ABI / EIP-712 type string we do not know or cannot parse
    InvalidValue,       // a value that does not fit its type
    OutOfBounds,        // ABI offset or length pointing outside the data
    TooLarge,           // decoding would produce more values than we allow
    InvalidTypedData,   // EIP-712 document missing members or referring to unknown types
    InvalidTransaction, // transaction fields or encoding we refuse
    UnsupportedTransaction, // a valid transaction type we do not handle (access lists, blobs)
    InvalidSignature,   // signature values out of range, high s, or nothing recovers
    SigningFailed,      // the private key refused to sign
    RpcUnavailable,     // the node did not answer (down, unreachable, timed out): try again later
    RpcError,           // the node answered with an error (a revert, a bad nonce...): its message
    Timeout,            // waited too long for a receipt
};

struct ChainError {
    ErrorCode code;
    QString detail; // human-readable; never contains secrets
};

[[nodiscard]] QString describe(ErrorCode code);

} // namespace cmeet::chain
