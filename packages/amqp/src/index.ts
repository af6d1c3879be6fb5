export { amqpTransport, AmqpTransport, createAmqpTransport } from './transport.js';
export type { AmqpTransportOptions, DeadLetterMode, ReconnectOptions } from './options.js';
export { LEVELS as DELAY_LEVELS, MAX_DELAY_MS } from './delayed-delivery.js';
export { parseAmqpUrl, type ParsedAmqpUrl } from './url.js';
export { tolerantHeaderDecoding } from './amqplib-loader.js';
export { createRpcResultBackend, RpcResultBackend, rpcResultBackend } from './rpc/result-backend.js';
export type { RpcResultBackendOptions } from './rpc/options.js';
export { amqpAdapter, rpcAdapter } from './adapter.js';
