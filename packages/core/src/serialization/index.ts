export * from './content-types.js';
export * from './iso-datetime.js';
export * from './kombu-tags.js';
export * from './json-serializer.js';
export * from './compressors.js';
export * from './serializer-registry.js';
export * from './compressor-registry.js';
export * from './defaults.js';
