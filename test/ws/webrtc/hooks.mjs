// Module hooks (node:module register) that resolve `webrtc-polyfill` to the fake WebRTC:
// its real backend, node-datachannel, is a native addon with no binary on this machine.
const FAKE = new URL('./fake-webrtc.ts', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'webrtc-polyfill') return { url: FAKE, format: 'module', shortCircuit: true };
  return next(specifier, context);
}
