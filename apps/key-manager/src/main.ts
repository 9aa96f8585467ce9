import { runServiceMain } from '@app/platform';
import { startKeyManager } from './key-manager.bootstrap.js';

await runServiceMain('key-manager', startKeyManager);
