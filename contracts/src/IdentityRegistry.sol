// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// DeeID (thesis 2.2): which keys speak for which identity, and since when. A registrar (the
/// hospital's identity office) enrols identities; an identity or the registrar adds and revokes
/// its keys. Every key keeps its active period so an auditor can ask whether a key was active
/// when it signed. No names, patients or meetings are stored here: only addresses and times.
contract IdentityRegistry {
    struct KeyPeriod {
        uint64 addedAt; // block timestamp; 0: never added
        uint64 revokedAt; // 0: still active
    }

    address public immutable registrar;
    mapping(address => bool) public enrolled;
    mapping(address => mapping(address => KeyPeriod)) private periods;

    event Enrolled(address indexed identity);
    event KeyAdded(address indexed identity, address indexed key, uint64 time);
    event KeyRevoked(address indexed identity, address indexed key, uint64 time);

    error NotRegistrar();
    error NotAllowed();
    error AlreadyEnrolled();
    error NotEnrolled();
    error KeyExists();
    error KeyNotActive();

    constructor() {
        registrar = msg.sender;
    }

    modifier onlyIdentityOrRegistrar(address identity) {
        if (msg.sender != identity && msg.sender != registrar) revert NotAllowed();
        if (!enrolled[identity]) revert NotEnrolled();
        _;
    }

    /// Enrols an identity with its first key (often the identity address itself).
    function enrol(address identity, address firstKey) external {
        if (msg.sender != registrar) revert NotRegistrar();
        if (enrolled[identity]) revert AlreadyEnrolled();
        enrolled[identity] = true;
        emit Enrolled(identity);
        _add(identity, firstKey);
    }

    function addKey(address identity, address key) external onlyIdentityOrRegistrar(identity) {
        _add(identity, key);
    }

    function revokeKey(address identity, address key) external onlyIdentityOrRegistrar(identity) {
        KeyPeriod storage period = periods[identity][key];
        if (period.addedAt == 0 || period.revokedAt != 0) revert KeyNotActive();
        period.revokedAt = uint64(block.timestamp);
        emit KeyRevoked(identity, key, period.revokedAt);
    }

    /// Was key active for identity at time (Unix seconds)? Revocation takes effect at its block.
    function isActiveAt(address identity, address key, uint64 time) public view returns (bool) {
        KeyPeriod memory period = periods[identity][key];
        return period.addedAt != 0 && period.addedAt <= time && (period.revokedAt == 0 || time < period.revokedAt);
    }

    function isActive(address identity, address key) external view returns (bool) {
        return isActiveAt(identity, key, uint64(block.timestamp));
    }

    function keyPeriod(address identity, address key) external view returns (uint64 addedAt, uint64 revokedAt) {
        KeyPeriod memory period = periods[identity][key];
        return (period.addedAt, period.revokedAt);
    }

    function _add(address identity, address key) private {
        if (periods[identity][key].addedAt != 0) revert KeyExists(); // a revoked key stays revoked
        periods[identity][key] = KeyPeriod(uint64(block.timestamp), 0);
        emit KeyAdded(identity, key, uint64(block.timestamp));
    }
}
