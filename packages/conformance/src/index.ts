export type * from './runner.js';
export type * from './options.js';
export { transportSuite } from './transport/suite.js';
export { resultBackendSuite } from './backend/suite.js';
export { serializerSuite } from './serializer/suite.js';
export * from './pool/index.js';
export { bodyText, takeDeliveries, testMessage } from './helpers.js';
