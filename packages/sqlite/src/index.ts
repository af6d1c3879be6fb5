export { SqliteResultBackend, sqliteBackend } from './backend/sqlite-backend.js';
export type {
  SqliteBackendOptions,
  SqliteConnectionOptions,
  SqliteTransportOptions,
} from './options.js';
export { SCHEMA_VERSION } from './schema.js';
export { SqliteTransport, sqliteTransport } from './transport/sqlite-transport.js';
export {
  type ParsedSqliteUrl,
  parseSqliteUrl,
  type SqliteLocation,
  type SqliteSynchronous,
  type SqliteUrlSettings,
} from './url.js';
export { sqliteAdapter } from './adapter.js';
