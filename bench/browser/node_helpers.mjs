// bench/'s own Node helpers, loaded into the page: they are CommonJS files without
// dependencies, so the page runs each with a module object of its own, as Node would. The page
// then makes each layer's data and checks the outputs itself: through Playwright, a 3 MB typed
// array takes seconds to cross between Node and the page.

async function load(url) {
  const source = await (await fetch(url)).text();
  const module = { exports: {} };
  const require = (name) => { throw new Error(`${url}: the page cannot load '${name}'`); };
  new Function('module', 'exports', 'require', source)(module, module.exports, require);
  return module.exports;
}

export const [layers, onnxModel, stats, callSamples] = await Promise.all(
  ['/bench/layers.js', '/bench/onnx_model.js', '/bench/stats.js', '/bench/call_samples.js'].map(load));
