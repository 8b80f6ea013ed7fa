// Makes the worked ballot example of docs/protocol.md §9 with Node's own crypto (not c-meet's
// code), following only that section: test_ballot then checks that c-meet decrypts and reads it.
//   node tests/vectors/make-ballot-example.mjs > tests/vectors/ballot-example.json
import crypto from 'node:crypto';

const hex = (bytes) => '0x' + Buffer.from(bytes).toString('hex');
const voting = crypto.createECDH('secp256k1');
voting.generateKeys();
const votingKey = voting.getPublicKey(null, 'compressed');
const ephemeral = crypto.createECDH('secp256k1');
ephemeral.generateKeys();
const E = ephemeral.getPublicKey(null, 'compressed');

const pollId = crypto.randomBytes(32);  // the poll event's id
const voter = crypto.randomBytes(20);   // the voter's identity address (the vote's "by")
const option = 1;                       // 0-based index into the poll's options
const ballot = Buffer.from(`{"option":${option}}`, 'utf8'); // canonical JSON
const aad = Buffer.concat([pollId, voter]);

const shared = ephemeral.computeSecret(votingKey); // X coordinate of the shared point, 32 bytes
const key = Buffer.from(crypto.hkdfSync('sha256', shared, Buffer.concat([E, votingKey]), Buffer.from('c-meet ecies v1', 'ascii'), 32));
const nonce = crypto.randomBytes(12);
const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
cipher.setAAD(aad);
const encrypted = Buffer.concat([cipher.update(ballot), cipher.final()]);
const ciphertext = Buffer.concat([E, nonce, encrypted, cipher.getAuthTag()]);

console.log(JSON.stringify({
  madeWith: `node ${process.version} crypto (tests/vectors/make-ballot-example.mjs)`,
  votingSecret: hex(voting.getPrivateKey()),
  votingKey: hex(votingKey),
  pollId: hex(pollId),
  voter: hex(voter),
  option,
  ballot: ballot.toString('utf8'),
  associatedData: hex(aad),
  ephemeralKey: hex(E),
  sharedX: hex(shared),
  aesKey: hex(key),
  nonce: hex(nonce),
  ciphertext: hex(ciphertext),
}, null, 2));
