// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// One registry per relay for all its meetings (the thesis deployed a contract per meeting: 1.1M
/// gas each). Storage is kept to one word per step: the details travel in events, which auditors
/// read, and the stored word is the hash that later calls must match.
///  - open:   meeting (keccak256 of its UUID) -> the roster commitment (a Merkle root of the
///            participants' addresses), with the start event id in the event.
///  - close:  meeting -> keccak256(ackEnd id, final Merkle root, size): once.
///  - approve: a participant's EIP-712 signature over (meeting, ackEnd id, root), checked here
///            against the roster commitment; or the relay's commitment to a batch of such
///            signatures, checked by auditors off-chain (one word instead of one per participant).
/// The relay may also anchor several steps of several meetings in one transaction (anchorMany):
/// the same storage, events and refusals as the single calls, one transaction's base cost shared.
contract MeetingRegistry {
    address public immutable relay;

    mapping(bytes32 => bytes32) public rosterRootOf; // meeting -> roster commitment; 0: not opened
    mapping(bytes32 => bytes32) public closingOf; // meeting -> keccak256(ackEnd, root, size); 0: open
    mapping(bytes32 => mapping(address => bool)) public approvedBy;
    mapping(bytes32 => bytes32) public approvalBatchOf; // meeting -> commitment to a signature set

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant APPROVAL_TYPEHASH = keccak256("Approval(bytes32 meeting,bytes32 ackEnd,bytes32 root)");

    event Opened(bytes32 indexed meeting, bytes32 startId, bytes32 rosterRoot);
    event Closed(bytes32 indexed meeting, bytes32 ackEndId, bytes32 root, uint64 size);
    event Approved(bytes32 indexed meeting, address indexed participant);
    event ApprovalBatch(bytes32 indexed meeting, bytes32 commitment, uint32 count);

    error NotRelay();
    error AlreadyOpened();
    error NotOpened();
    error AlreadyClosed();
    error NotClosed();
    error WrongClosing();
    error NotOnRoster();
    error BadSignature();
    error AlreadyApproved();

    struct OpenStep {
        bytes32 meeting;
        bytes32 startId;
        bytes32 rosterRoot;
    }

    struct CloseStep {
        bytes32 meeting;
        bytes32 ackEndId;
        bytes32 root;
        uint64 size;
    }

    struct ApprovalsStep {
        bytes32 meeting;
        bytes32 commitment;
        uint32 count;
    }

    constructor(address relay_) {
        relay = relay_;
    }

    modifier onlyRelay() {
        if (msg.sender != relay) revert NotRelay();
        _;
    }

    function open(bytes32 meeting, bytes32 startId, bytes32 rosterRoot) external onlyRelay {
        _open(meeting, startId, rosterRoot);
    }

    function close(bytes32 meeting, bytes32 ackEndId, bytes32 root, uint64 size) external onlyRelay {
        _close(meeting, ackEndId, root, size);
    }

    /// Anyone may submit a participant's own approval; it counts only if the participant signed it
    /// and is on the roster (rosterProof: sibling hashes from the leaf keccak256(participant) up).
    function approve(
        bytes32 meeting,
        bytes32 ackEndId,
        bytes32 root,
        uint64 size,
        address participant,
        bytes32[] calldata rosterProof,
        bytes calldata signature
    ) external {
        if (closingOf[meeting] == 0) revert NotClosed();
        if (closingOf[meeting] != keccak256(abi.encode(ackEndId, root, size))) revert WrongClosing();
        if (!_onRoster(rosterRootOf[meeting], participant, rosterProof)) revert NotOnRoster();
        if (approvedBy[meeting][participant]) revert AlreadyApproved();
        if (_signer(approvalDigest(meeting, ackEndId, root), signature) != participant) revert BadSignature();
        approvedBy[meeting][participant] = true;
        emit Approved(meeting, participant);
    }

    /// The relay's batch: a commitment (e.g. a Merkle root) to count approval signatures it holds.
    function recordApprovals(bytes32 meeting, bytes32 commitment, uint32 count) external onlyRelay {
        _recordApprovals(meeting, commitment, count);
    }

    /// Several meetings' steps in one transaction, applied in order: opens, then closes, then
    /// approval batches (so one call may open, close and record the approvals of a meeting, as
    /// a queue catching up after an outage does). Any refused step reverts the whole call.
    function anchorMany(OpenStep[] calldata opens, CloseStep[] calldata closes, ApprovalsStep[] calldata approvals)
        external
        onlyRelay
    {
        for (uint256 i = 0; i < opens.length; ++i) {
            _open(opens[i].meeting, opens[i].startId, opens[i].rosterRoot);
        }
        for (uint256 i = 0; i < closes.length; ++i) {
            _close(closes[i].meeting, closes[i].ackEndId, closes[i].root, closes[i].size);
        }
        for (uint256 i = 0; i < approvals.length; ++i) {
            _recordApprovals(approvals[i].meeting, approvals[i].commitment, approvals[i].count);
        }
    }

    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("c-meet"), keccak256("1"), block.chainid, address(this)));
    }

    function approvalDigest(bytes32 meeting, bytes32 ackEndId, bytes32 root) public view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(APPROVAL_TYPEHASH, meeting, ackEndId, root));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    function _open(bytes32 meeting, bytes32 startId, bytes32 rosterRoot) private {
        if (rosterRootOf[meeting] != 0) revert AlreadyOpened();
        if (rosterRoot == 0) revert NotOnRoster(); // an empty commitment would mark it unopened
        rosterRootOf[meeting] = rosterRoot;
        emit Opened(meeting, startId, rosterRoot);
    }

    function _close(bytes32 meeting, bytes32 ackEndId, bytes32 root, uint64 size) private {
        if (rosterRootOf[meeting] == 0) revert NotOpened();
        if (closingOf[meeting] != 0) revert AlreadyClosed();
        closingOf[meeting] = keccak256(abi.encode(ackEndId, root, size));
        emit Closed(meeting, ackEndId, root, size);
    }

    function _recordApprovals(bytes32 meeting, bytes32 commitment, uint32 count) private {
        if (closingOf[meeting] == 0) revert NotClosed();
        approvalBatchOf[meeting] = commitment;
        emit ApprovalBatch(meeting, commitment, count);
    }

    function _onRoster(bytes32 rosterRoot, address participant, bytes32[] calldata proof) private pure returns (bool) {
        bytes32 node = keccak256(abi.encodePacked(participant));
        for (uint256 i = 0; i < proof.length; ++i) {
            // Sorted pairs: the proof needs no left/right flags.
            node = node < proof[i] ? keccak256(abi.encodePacked(node, proof[i])) : keccak256(abi.encodePacked(proof[i], node));
        }
        return node == rosterRoot;
    }

    function _signer(bytes32 digest, bytes calldata signature) private pure returns (address) {
        if (signature.length != 65) return address(0);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        // Low s only, as everywhere in c-meet: one encoding per signature.
        if (uint256(s) > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0) return address(0);
        if (v != 27 && v != 28) return address(0);
        return ecrecover(digest, v, r, s);
    }
}
