export * from './auth-serializer.js';
export * from './auth-payload.js';
export * from './certificate.js';
export * from './certificate-store.js';
export * from './load-files.js';
export { type Digest, resolveDigest } from './rsa-pss.js';
