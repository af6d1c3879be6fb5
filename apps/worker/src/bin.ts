#!/usr/bin/env node
import { main } from './cli.js';

const code = await main(process.argv.slice(2));
// Commands other than `worker` are done once main returns; open sockets must not keep the process alive.
process.exit(code);
