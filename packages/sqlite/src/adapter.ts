import type { AdapterRegistration } from '@tq/core';
import { sqliteBackend } from './backend/sqlite-backend.js';
import { sqliteTransport } from './transport/sqlite-transport.js';

/** Lets `sqlite://` URLs in app config resolve: `createApp({ adapters: [sqliteAdapter] })`. */
export const sqliteAdapter: AdapterRegistration = {
  schemes: ['sqlite'],
  packageName: '@tq/sqlite',
  transport: (url) => sqliteTransport(url),
  backend: (url) => sqliteBackend(url),
};
