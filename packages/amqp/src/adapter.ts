import type { AdapterRegistration } from '@tq/core';
import { rpcResultBackend } from './rpc/result-backend.js';
import { amqpTransport } from './transport.js';

/** Registers `amqp://`, `amqps://`, `pyamqp://` (transport) and `rpc://` (result backend) with an app. */
export const amqpAdapter: AdapterRegistration = {
  schemes: ['amqp', 'amqps', 'pyamqp'],
  transport: amqpTransport,
  packageName: '@tq/amqp',
};

export const rpcAdapter: AdapterRegistration = {
  schemes: ['rpc'],
  backend: rpcResultBackend,
  packageName: '@tq/amqp',
};
