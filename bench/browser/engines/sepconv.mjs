// sepconv-wasm through its public browser entry and API only, with default options: on an
// isolated page it picks its threaded build, else its single-thread one. Every timed call is
// the asynchronous layer.run a page makes, with whatever that costs the page.

import { init, createSeparableConv2d, getBackendInfo } from '/dist/web/sepconv-wasm.mjs';

export async function start() {
  await init();
  const info = getBackendInfo();
  return {
    info: { ...info, describe: `sepconv-wasm ${info.variant}, ${info.threads} thread(s)` },
    async prepare({ x, depthwise, pointwise, options }) {
      // The weights are packed once, as tfjs's tensors and ORT's session are made once.
      const layer = await createSeparableConv2d(depthwise, pointwise, options);
      // Each call hands over x as a page's own array and gets a fresh {data, shape} back.
      const run = async () => (await layer.run({ data: x.data, shape: x.shape })).data;
      return { run, dispose: () => layer.dispose() };
    },
  };
}
