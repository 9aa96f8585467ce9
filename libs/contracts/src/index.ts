export * from './control-plane.messages.js';
export * from './envelope.js';
export * from './key-manager.messages.js';
export * from './patterns.js';
export * from './redirect-uris.js';
export * from './stored-secrets.js';
