// RFC 5848 syslog-sign codec, shared by the daemon's signer (src/sign/signer/) and
// `stele verify` (src/sign/verify/). Pure: no I/O. Format follows NetBSD syslogd (sign.c) so
// that NetBSD's verify.pl accepts stele's logs and `stele verify` accepts NetBSD's; the
// details (what is hashed, what is signed, encodings) are documented in each file and in
// docs/syslog-sign.md.

export { VER_SHA1, VER_SHA256, parseVer, type Ver, type VerInfo, type HashName } from './ver.js'
export { hashMessage, messageHasher } from './hash.js'
export {
  parseBlockLine, encodeSignatureSd, encodeCertificateSd, signedText, escapeParamValue,
  type BlockLine, type GroupFields, type SignatureBlockFields, type CertificateBlockFields, type LineHeader
} from './block-line.js'
export { signBlockText, signBlockTextAsync, verifyBlockText, type SignatureEncoding } from './dsa-signature.js'
export {
  formatPayloadBlock, parsePayloadBlock, fragmentPayload, keyBlobFromCertificate, keyBlobFromPublicKey,
  publicKeyFromBlob, type PayloadBlock, type KeyBlobType, type PublicKeyResult
} from './payload-block.js'
export {
  buildSignatureBlock, buildCertificateBlocks, prepareSignatureBlock, prepareCertificateBlocks, DEFAULT_MAX_FRAGMENT_CHARS, type PreparedBlock,
  type BlockHeader, type BlockSigning, type SignatureBlockInput, type CertificateBlocksInput
} from './blocks.js'
