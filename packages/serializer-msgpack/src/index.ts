export { createMsgpackSerializer, msgpackSerializer } from './msgpack-serializer.js';
export type { MsgpackSerializer } from './msgpack-serializer.js';
