import { type AdapterRegistration, type App, registerAdapter, type Serializer } from '@tq/core';

/**
 * The adapter packages the `tq` command knows, and the registration each exports. Each is loaded only if installed
 * (they are optional peer dependencies), so users install just the ones whose URL schemes they use.
 */
const KNOWN_ADAPTERS: Array<{ packageName: string; registrations: string[] }> = [
  { packageName: '@tq/sqlite', registrations: ['sqliteAdapter'] },
  { packageName: '@tq/redis', registrations: ['redisAdapter'] },
  { packageName: '@tq/amqp', registrations: ['amqpAdapter', 'rpcAdapter'] },
  { packageName: '@tq/sqs', registrations: ['sqsAdapter'] },
  { packageName: '@tq/backend-memcached', registrations: ['memcachedAdapter'] },
];

/** Serializer packages: registered on the app when installed, so a worker can decode them if its accept list allows. */
const KNOWN_SERIALIZERS: Array<{ packageName: string; exportName: string }> = [
  { packageName: '@tq/serializer-msgpack', exportName: 'msgpackSerializer' },
  { packageName: '@tq/serializer-yaml', exportName: 'yamlSerializer' },
];

async function importIfInstalled(packageName: string): Promise<Record<string, unknown> | undefined> {
  try {
    return await import(packageName);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

export async function registerInstalledAdapters(): Promise<string[]> {
  const schemes: string[] = [];
  for (const adapter of KNOWN_ADAPTERS) {
    const loaded = await importIfInstalled(adapter.packageName);
    if (!loaded) continue;
    for (const name of adapter.registrations) {
      const registration = loaded[name] as AdapterRegistration | undefined;
      if (!registration) continue;
      registerAdapter(registration);
      schemes.push(...registration.schemes);
    }
  }
  return schemes;
}

export async function registerInstalledSerializers(app: App): Promise<string[]> {
  const names: string[] = [];
  for (const { packageName, exportName } of KNOWN_SERIALIZERS) {
    const serializer = (await importIfInstalled(packageName))?.[exportName] as Serializer | undefined;
    if (!serializer || app.serializers.has(serializer.contentType)) continue;
    app.serializers.register(serializer);
    names.push(serializer.name);
  }
  return names;
}
