// Public API of the framing module: RFC 6587 stream framing, pure (no I/O).

export {
  FrameDecoder,
  FRAME_TRUNCATED,
  FRAME_UNFRAMED,
  FRAME_INCOMPLETE,
  DEFAULT_MAX_FRAME_BYTES
} from './frame-decoder.js'
export type { Framing, DecoderMode, FrameDecoderOptions, FrameCounters } from './frame-decoder.js'
export { octetCountPrefix, encodeOctetCounted, MAX_OCTET_DIGITS, MAX_OCTET_LENGTH } from './octet-counting.js'
export { encodeNonTransparent } from './non-transparent.js'
export type { NonTransparentTrailer } from './non-transparent.js'
export { encodeFrame } from './encode-frame.js'
export type { OutputFraming } from './encode-frame.js'
