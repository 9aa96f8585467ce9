/**
 * How the tests compile TypeScript with SWC: decorators and their metadata as `tsc` emits them (Nest needs
 * both), ES modules, class names kept. jest.config.js runs the sources through it, and
 * previous-release.ts compiles an old release's Key Manager with the same settings.
 */
export const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
};
