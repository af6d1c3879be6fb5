export { composeApp, type ComposeOptions } from './compose.js';
export { loadApp } from './load-app.js';
export { registerInstalledAdapters } from './register-adapters.js';
export { main } from './cli.js';
