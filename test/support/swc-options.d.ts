import type { Options } from '@swc/core';

/** How the tests compile TypeScript with SWC (swc-options.js). */
export declare const swcOptions: Options;
