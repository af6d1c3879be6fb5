/** A protocol-v2 body `[args, kwargs, embed]` of the size most tasks send: a few ids, a timestamp, short strings. */
export function typicalTaskBody(): unknown[] {
  return [
    [42, 'user@example.com', { order_id: 981_223, amount: 19.99, currency: 'EUR' }],
    { created_at_ms: 1_732_406_400_123, retries: 0, tags: ['billing', 'email'], dry_run: false, note: null },
    { callbacks: null, errbacks: null, chain: null, chord: null },
  ];
}
