// A user's own module worker that imports the browser entry: there the computation runs in this
// worker's thread, so separableConv2dSync, layer.runSync and WasmTensors work.
import * as sepconv from '/dist/web/sepconv-wasm.mjs';

self.onmessage = async ({ data: { cases, initOptions } }) => {
  try {
    await sepconv.init(initOptions);
    const results = cases.map((c) => {
      const revive = ({ data, shape }) => ({ data: Float32Array.from(data), shape });
      const y = sepconv.separableConv2dSync(revive(c.x), revive(c.depthwise), revive(c.pointwise), c.options);
      return { data: Array.from(y.data), shape: y.shape };
    });
    const t = { data: Float32Array.of(1, 2, 3, 4), shape: [1, 2, 2, 1] };
    const layer = await sepconv.createSeparableConv2d(
      { data: Float32Array.of(2), shape: [1, 1, 1, 1] }, { data: Float32Array.of(5), shape: [1, 1, 1, 1] },
      { strides: 1, padding: 'VALID' });
    const layerResult = Array.from(layer.runSync(t).data);
    // WasmTensors work here: the layer twice over, in wasm memory.
    const xt = await sepconv.createWasmTensor(t.shape, t.data);
    const middle = layer.runSync(xt);
    const yt = await layer.run(middle);
    const chained = Array.from(yt.read());
    [xt, middle, yt, layer].forEach((o) => o.dispose());
    self.postMessage({ results, layerResult, chained, backend: sepconv.getBackendInfo(), memory: sepconv.getMemoryInfo() });
  } catch (error) {
    self.postMessage({ error: { name: error.name, code: error.code, message: error.message } });
  }
};
