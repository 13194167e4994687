// Imported first by extension.ts, so this runs before any other module of the bundle is evaluated: the
// activation time we report covers loading our code as well as activate() itself.
export const bundleLoadStart = performance.now();
