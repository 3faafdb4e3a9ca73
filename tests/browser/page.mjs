// Imports the package's browser entry exactly as a page would, and exposes hooks for the tests.
import * as sepconv from '/dist/web/sepconv-wasm.mjs';

const revive = ({ data, shape }) => ({ data: Float32Array.from(data), shape });
const plainError = (error) => ({
  name: error.name, code: error.code, message: error.message, isSeparableConv2dError: error instanceof sepconv.SeparableConv2dError,
});

/** init(initOptions), then each case through separableConv2d; results as plain data. */
window.runCases = async (cases, initOptions) => {
  let initError;
  if (initOptions) await sepconv.init(initOptions).catch((error) => { initError = plainError(error); });
  const results = [];
  for (const c of cases) {
    try {
      const y = await sepconv.separableConv2d(revive(c.x), revive(c.depthwise), revive(c.pointwise), c.options);
      results.push({ data: Array.from(y.data), shape: y.shape });
    } catch (error) {
      results.push({ error: plainError(error) });
    }
  }
  return { results, backend: sepconv.getBackendInfo(), initError };
};

/**
 * All cases at once (Promise.all), each through a layer of its own; results as plain data, in
 * order. Every input is overwritten with NaN as soon as all the calls are made: each call must
 * compute on the values it was given. Then the layers are disposed: heapReturned tells whether
 * the wasm heap is back where it was.
 */
window.runConcurrently = async (cases) => {
  // The module's first call leaves its fixed baseline behind (the pool's and Embind's own): after it, calls free what they take.
  await sepconv.separableConv2d(revive(cases[0].x), revive(cases[0].depthwise), revive(cases[0].pointwise), cases[0].options);
  const before = sepconv.getMemoryInfo().heapBytesInUse;
  const layers = await Promise.all(cases.map((c) => sepconv.createSeparableConv2d(revive(c.depthwise), revive(c.pointwise), c.options)));
  const inputs = cases.map((c) => revive(c.x));
  const calls = layers.map((layer, i) => layer.run(inputs[i])
    .then((y) => ({ data: Array.from(y.data), shape: y.shape }), (error) => ({ error: plainError(error) })));
  inputs.forEach((x) => x.data.fill(NaN));
  const results = await Promise.all(calls);
  layers.forEach((layer) => layer.dispose());
  await new Promise((resolve) => setTimeout(resolve, 0));  // frees wait for the calls' queue to settle
  return { results, backend: sepconv.getBackendInfo(), heapReturned: sepconv.getMemoryInfo().heapBytesInUse === before };
};

/**
 * Each case's gradients, through separableConv2dBackward or (case.layer) layer.backward of a layer
 * made for it, into options.outputs where case.outputs says; as plain data, in order. `concurrent`: all the calls at once after the first
 * (Promise.all), their inputs overwritten with NaN as soon as they are made: each call must
 * compute on the values it was given. Also what the sync forms do on this thread (refused), and
 * whether the heap is back where it was after the first case.
 */
window.backwardCases = async (cases, concurrent = false) => {
  const revived = (c) => {
    const options = { ...c.options, bias: c.options.bias && Float32Array.from(c.options.bias) };
    if (options.bias === undefined) delete options.bias;
    return { args: [c.x, c.depthwise, c.pointwise, c.dy].map(revive), options };
  };
  // A layer reads x and dy before backward() returns: they are overwritten right after. (The
  // one-shot call awaits the module first, as separableConv2d does: its inputs are left alone.)
  // c.outputs: 'arrays' (NaN-filled Float32Arrays) or 'tensors' (WasmTensors, dBias an array)
  // as options.outputs for every gradient computed. `theirs`: the result is the caller's output.
  const outputsFor = async (c, x, dw, pw, { gradients, bias }) => {
    if (!c.outputs) return undefined;
    const names = gradients || ['x', 'depthwiseFilter', 'pointwiseFilter', ...(bias ? ['bias'] : [])];
    const shapes = { x: x.shape, depthwiseFilter: dw.shape, pointwiseFilter: pw.shape, bias: [pw.shape[3]] };
    const keys = { x: 'dx', depthwiseFilter: 'dDepthwiseFilter', pointwiseFilter: 'dPointwiseFilter', bias: 'dBias' };
    return Object.fromEntries(await Promise.all(names.map(async (name) => [keys[name], c.outputs === 'tensors' && name !== 'bias'
      ? await sepconv.createWasmTensor(shapes[name])
      : new Float32Array(shapes[name].reduce((a, b) => a * b, 1)).fill(NaN)])));
  };
  const oneCase = async (c, layer) => {
    const { args: [x, dw, pw, dy], options } = revived(c);
    const outputs = await outputsFor(c, x, dw, pw, options);
    const { gradients } = options;
    const call = layer ? layer.backward(x, dy, { gradients, outputs }) : sepconv.separableConv2dBackward(x, dw, pw, dy, { ...options, outputs });
    if (layer) [x, dy].forEach((t) => t.data.fill(NaN));
    const plainGradient = (key, result) => {
      const data = result.read ? result.read() : result.data;
      const theirs = outputs ? result === outputs[key] || data === outputs[key] : true;
      return [key, { data: Array.from(data), shape: Array.from(result.shape), float32: data instanceof Float32Array, theirs }];
    };
    const disposeOutputs = () => Object.values(outputs || {}).forEach((o) => o.dispose && o.dispose());
    return call.then((g) => {
      const plainGradients = Object.fromEntries(Object.entries(g).map(([key, result]) => plainGradient(key, result)));
      disposeOutputs();
      return plainGradients;
    }, (error) => {
      disposeOutputs();
      return { error: plainError(error) };
    });
  };
  const layerFor = (c) => {
    const { args: [, dw, pw], options: { gradients, ...forward } } = revived(c);
    return c.layer ? sepconv.createSeparableConv2d(dw, pw, forward) : null;
  };
  const first = await layerFor(cases[0]);
  const results = [await oneCase(cases[0], first)];
  if (first) first.dispose();
  await new Promise((resolve) => setTimeout(resolve, 0));
  const before = sepconv.getMemoryInfo().heapBytesInUse;  // after the first call's fixed allocations
  const rest = cases.slice(1);
  if (concurrent) {
    const layers = await Promise.all(rest.map(layerFor));
    results.push(...await Promise.all(rest.map((c, i) => oneCase(c, layers[i]))));
    layers.forEach((layer) => layer && layer.dispose());
  } else {
    for (const c of rest) {
      const layer = await layerFor(c);
      results.push(await oneCase(c, layer));
      if (layer) layer.dispose();
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 0));  // frees wait for the calls' queue to settle
  const heapReturned = sepconv.getMemoryInfo().heapBytesInUse === before;
  const { args: [x, dw, pw, dy], options } = revived(cases[0]);
  const syncErrors = {};
  try { sepconv.separableConv2dBackwardSync(x, dw, pw, dy, options); } catch (error) { syncErrors.separableConv2dBackwardSync = plainError(error); }
  const { gradients, ...forward } = options;
  const layer = await sepconv.createSeparableConv2d(dw, pw, forward);
  try { layer.backwardSync(x, dy, gradients && { gradients }); } catch (error) { syncErrors.backwardSync = plainError(error); }
  layer.dispose();
  return { results, backend: sepconv.getBackendInfo(), heapReturned, syncErrors };
};

/** init(options); resolves to the error (plain) or null, and the backend info. */
window.tryInit = async (options) => {
  try {
    await sepconv.init(options);
    return { error: null, backend: sepconv.getBackendInfo() };
  } catch (error) {
    return { error: plainError(error), backend: sepconv.getBackendInfo() };
  }
};

window.dispose = () => sepconv.dispose();
window.sepconvForTests = sepconv;

/**
 * For each layer (its geometry as in bench/layers.js), `calls` calls of a prepared layer, each
 * between performance marks 'call' and 'called', for a trace to see what ran on this thread
 * meanwhile. Then a control between the same marks: a task that blocks this thread for
 * `controlMs`, as a computation on it would, which the trace must see.
 */
window.responsiveness = async ({ layers, calls, initOptions, controlMs }) => {
  await sepconv.init(initOptions);
  const fill = (length) => Float32Array.from({ length }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const measure = async (work) => {
    await new Promise((resolve) => setTimeout(resolve, 5));  // a call of its own, in a task of its own
    performance.mark('call');
    const t0 = performance.now();
    await work();
    const ms = performance.now() - t0;
    performance.mark('called');
    await new Promise((resolve) => setTimeout(resolve, 0));  // what follows, in other tasks
    return { ms };
  };
  const results = [];
  for (const { name, N, H, W, C, K, M, O, stride, padding, dilation } of layers) {
    const layer = await sepconv.createSeparableConv2d(
      { data: fill(K * K * C * M), shape: [K, K, C, M] }, { data: fill(C * M * O), shape: [1, 1, C * M, O] },
      { strides: stride, padding, dilations: dilation });
    const x = { data: fill(N * H * W * C), shape: [N, H, W, C] };
    // Warm-up: the first calls of a shape touch new wasm memory (a page fault per 4 KiB, slow
    // on a virtual machine) while V8 still compiles the optimized code; not what is measured.
    for (let i = 0; i < 5; i += 1) await layer.run(x);
    for (let i = 0; i < calls; i += 1) results.push({ name, ...(await measure(() => layer.run(x))) });
    layer.dispose();
  }
  await measure(async () => {
    const until = performance.now() + controlMs;
    while (performance.now() < until) { /* blocks this thread, as a synchronous computation would */ }
  });
  return { results, backend: sepconv.getBackendInfo() };
};

/** The sync forms on the page's thread (refused), the async ones, WasmTensors and a disposed layer. */
window.syncForms = async () => {
  const t = (...values) => ({ data: Float32Array.of(...values), shape: [1, 2, 2, 1] });
  const one = (value) => ({ data: Float32Array.of(value), shape: [1, 1, 1, 1] });
  const options = { strides: 1, padding: 'VALID' };
  const errors = {};
  try { sepconv.separableConv2dSync(t(1, 2, 3, 4), one(2), one(3), options); } catch (error) { errors.separableConv2dSync = plainError(error); }
  const layer = await sepconv.createSeparableConv2d(one(2), one(3), options);
  try { layer.runSync(t(1, 2, 3, 4)); } catch (error) { errors.runSync = plainError(error); }
  const y = await layer.run(t(1, 2, 3, 4));
  // The module lives on this thread, so WasmTensors work here too: the layer twice over.
  const xt = await sepconv.createWasmTensor([1, 2, 2, 1], Float32Array.of(1, 2, 3, 4));
  const yt = await layer.run(await layer.run(xt));
  const chained = Array.from(yt.read());
  const output = new Float32Array(4);
  const y2 = await layer.run(t(1, 2, 3, 4), { output });
  [xt, yt].forEach((tensor) => tensor.dispose());
  layer.dispose();
  let disposedError = null;
  await layer.run(t(1, 2, 3, 4)).catch((error) => { disposedError = plainError(error); });
  return {
    errors, asyncResult: Array.from(y.data), chained, output: { same: y2.data === output, y: Array.from(output) }, disposedError,
  };
};

/**
 * A layer and a WasmTensor disposed while calls that use them are running or waiting: the calls
 * complete with the right values (their memory is freed only afterwards), and the heap returns
 * to where it was.
 */
window.disposeDuringCalls = async () => {
  await sepconv.init();
  const fill = (length, seed) => Float32Array.from({ length }, (_, i) => (((i + seed) * 7919) % 1000) / 1000 - 0.5);
  const shape = [1, 64, 64, 32];
  const options = { strides: 1, padding: 'SAME' };
  const filters = [{ data: fill(9 * 32, 1), shape: [3, 3, 32, 1] }, { data: fill(32 * 64, 2), shape: [1, 1, 32, 64] }];
  const x = { data: fill(64 * 64 * 32, 3), shape };
  const reference = await sepconv.createSeparableConv2d(...filters, options);
  const expected = Array.from((await reference.run(x)).data);
  const before = sepconv.getMemoryInfo().heapBytesInUse;
  const layer = await sepconv.createSeparableConv2d(...filters, options);
  const xt = await sepconv.createWasmTensor(shape, x.data);
  const calls = [layer.run(x), layer.run(xt), layer.run(x)];
  layer.dispose();
  xt.dispose();
  const results = await Promise.all(calls);
  const same = results.map((y) => (y.data ? Array.from(y.data) : Array.from(y.read())));
  results.filter((y) => !y.data).forEach((tensor) => tensor.dispose());
  await new Promise((resolve) => setTimeout(resolve, 0));  // the frees run once the calls have settled
  const after = sepconv.getMemoryInfo().heapBytesInUse;
  reference.dispose();
  return { allMatch: same.every((values) => values.every((v, i) => v === expected[i])), before, after };
};

/**
 * layer.setWeights between calls in flight: which of three weight sets each call computed with
 * (the index of the fresh layer whose result it equals bit for bit, or -1), and the heap before
 * the layer was made and after its calls.
 */
window.setWeightsDuringCalls = async () => {
  await sepconv.init();
  const fill = (length, seed) => Float32Array.from({ length }, (_, i) => (((i + seed) * 7919) % 1000) / 1000 - 0.5);
  const x = { data: fill(48 * 48 * 32, 0), shape: [1, 48, 48, 32] };
  const sets = [1, 2, 3].map((seed) => [{ data: fill(9 * 32, seed), shape: [3, 3, 32, 1] }, { data: fill(32 * 64, seed), shape: [1, 1, 32, 64] }, fill(64, seed)]);
  const options = (bias) => ({ strides: 1, padding: 'SAME', activation: 'relu', bias });
  const expected = [];
  for (const [dw, pw, bias] of sets) expected.push(Array.from((await sepconv.separableConv2d(x, dw, pw, options(bias))).data));
  const before = sepconv.getMemoryInfo().heapBytesInUse;
  const layer = await sepconv.createSeparableConv2d(sets[0][0], sets[0][1], options(sets[0][2]));
  const calls = [layer.run(x), layer.run(x)];
  layer.setWeights(...sets[1]);
  calls.push(layer.run(x));
  layer.setWeights(...sets[2]);
  calls.push(layer.run(x));
  layer.dispose();
  const results = await Promise.all(calls);
  const which = results.map(({ data }) => expected.findIndex((e) => e.every((v, i) => v === data[i])));
  await new Promise((resolve) => setTimeout(resolve, 0));  // the layer is freed once its calls have settled
  return { which, before, after: sepconv.getMemoryInfo().heapBytesInUse };
};

/**
 * `cycles` times init(initOptions), a call big enough for the pool's threads, dispose(); counting
 * the blob: URLs made and revoked meanwhile. Returns, per cycle, the threads, whether the result
 * was right and the blob: URLs still alive after dispose(); and whether any URL made still loads.
 */
window.initDisposeCycles = async (cycles, initOptions) => {
  const alive = new Set();
  const made = [];
  const { createObjectURL, revokeObjectURL } = URL;
  URL.createObjectURL = (blob) => {
    const url = createObjectURL(blob);
    made.push(url);
    alive.add(url);
    return url;
  };
  URL.revokeObjectURL = (url) => {
    alive.delete(url);
    revokeObjectURL(url);
  };
  const x = { data: new Float32Array(64 * 64 * 32).fill(1), shape: [1, 64, 64, 32] };
  const dw = { data: new Float32Array(32).fill(0.5), shape: [1, 1, 32, 1] };
  const pw = { data: new Float32Array(32 * 64).fill(0.25), shape: [1, 1, 32, 64] };
  const rounds = [];
  try {
    for (let i = 0; i < cycles; i += 1) {
      await sepconv.init(initOptions);
      const y = await sepconv.separableConv2d(x, dw, pw, { strides: 1, padding: 'VALID' });
      const { threads } = sepconv.getBackendInfo();
      sepconv.dispose();
      rounds.push({ threads, right: y.data.every((v) => v === 4), alive: alive.size });  // 32 * 0.5 * 0.25
    }
  } finally {
    Object.assign(URL, { createObjectURL, revokeObjectURL });
  }
  const loads = await Promise.all(made.map((url) => fetch(url).then(() => true, () => false)));
  return { rounds, made: made.length, stillLoad: loads.filter(Boolean).length };
};

/** A worker of the page's own that imports the package: the sync forms work in it. */
window.ownWorker = (message) => new Promise((resolve, reject) => {
  const worker = new Worker('/tests/browser/own_worker.mjs', { type: 'module' });
  worker.onmessage = ({ data }) => { worker.terminate(); resolve(data); };
  worker.onerror = (event) => { worker.terminate(); reject(new Error(event.message || 'worker failed')); };
  worker.postMessage(message);
});

window.ready = true;
