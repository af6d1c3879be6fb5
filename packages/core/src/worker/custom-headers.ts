/** Headers the protocol defines; everything else in a message's headers came from the caller's `headers=`. */
const PROTOCOL_HEADERS = new Set([
  'lang', 'task', 'id', 'root_id', 'parent_id', 'group', 'group_index', 'meth', 'shadow', 'eta', 'expires', 'retries',
  'timelimit', 'argsrepr', 'kwargsrepr', 'origin', 'ignore_result', 'replaced_task_nesting', 'stamped_headers', 'stamps',
  'compression', 'redelivered',
]);

export function customHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const custom: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers)) if (!PROTOCOL_HEADERS.has(key) && !key.startsWith('x-death')) custom[key] = value;
  return custom;
}
