import type { TransportCapabilities } from '@tq/core';
import type { CaseRegistry } from '../support/cases.js';
import type { TransportContext } from './context.js';

/** The registry every transport case file adds its cases to. */
export type TransportCases = CaseRegistry<TransportContext, Readonly<TransportCapabilities>>;
