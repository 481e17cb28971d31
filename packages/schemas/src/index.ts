export { Envelope, PAYLOAD_VERSIONS, type ParsedEnvelope, parseEnvelope } from './envelope.ts'
export { registerFormats } from './formats.ts'
export { uuidFromName, uuidv7 } from './ids.ts'
