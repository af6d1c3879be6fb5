export * from './memory-transport.js';
export * from './memory-backend.js';
export { MemoryBroker, type MemoryBrokerStats } from './memory-broker.js';
export { topicMatches } from './topic-match.js';
