export { Beat, type BeatOptions, createBeat, DEFAULT_STATE_FILE } from './beat.js';
export { type CompiledSchedule, compileSchedule } from './next-run.js';
export { type CrontabField, type CrontabFields, crontab, every } from './schedule.js';
export type { EntryState } from './state-file.js';
export type { BeatEntry, BeatSchedule } from '@tq/core';
