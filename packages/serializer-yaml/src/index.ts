export { createYamlSerializer, yamlSerializer } from './yaml-serializer.js';
export type { YamlSerializer } from './yaml-serializer.js';
