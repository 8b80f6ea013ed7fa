#include "chain/error.h"

namespace cmeet::chain {

QString describe(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidNumber: return QStringLiteral("not a valid number");
    case ErrorCode::Overflow: return QStringLiteral("number too large for its type");
    case ErrorCode::Truncated: return QStringLiteral("input ends too early");
    case ErrorCode::NonCanonical: return QStringLiteral("not the canonical encoding");
    case ErrorCode::TrailingBytes: return QStringLiteral("bytes after the end of the item");
    case ErrorCode::TooDeep: return QStringLiteral("nesting too deep");
    case ErrorCode::UnexpectedShape: return QStringLiteral("item of the wrong shape");
    case ErrorCode::InvalidType: return QStringLiteral("unknown or malformed type");
    case ErrorCode::InvalidValue: return QStringLiteral("value does not fit its type");
    case ErrorCode::OutOfBounds: return QStringLiteral("offset or length outside the data");
    case ErrorCode::TooLarge: return QStringLiteral("data decodes to too many values");
    case ErrorCode::InvalidTypedData: return QStringLiteral("malformed EIP-712 typed data");
    case ErrorCode::InvalidTransaction: return QStringLiteral("malformed transaction");
    case ErrorCode::UnsupportedTransaction: return QStringLiteral("unsupported transaction type");
    case ErrorCode::InvalidSignature: return QStringLiteral("invalid signature");
    case ErrorCode::SigningFailed: return QStringLiteral("signing failed");
    case ErrorCode::RpcUnavailable: return QStringLiteral("the chain node did not answer");
    case ErrorCode::RpcError: return QStringLiteral("the chain node refused the request");
    case ErrorCode::Timeout: return QStringLiteral("timed out waiting for the chain");
    }
    return QStringLiteral("unknown chain error");
}

} // namespace cmeet::chain
