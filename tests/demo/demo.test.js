'use strict';
// The demo page (demo/), served by demo/server.js on a free port and driven in Debian's Chromium:
// first render, learning the filters, presets and strides change the outputs, the library's errors
// show inline, the benchmark against TensorFlow.js (and without it), a user's image file becomes
// the input. Saves artifacts/demo.png (the whole page) and artifacts/learn.png (the Learn panel).

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const { startDemoServer } = require('../../demo/server');

const ROOT = path.resolve(__dirname, '..', '..');
const SCREENSHOT = path.join(ROOT, 'artifacts', 'demo.png');
const LEARN_SCREENSHOT = path.join(ROOT, 'artifacts', 'learn.png');
const VIEWPORT = { width: 1360, height: 900 };

let server;
let browser;
let page;
const problems = [];  // console errors, page errors, failed requests, HTTP errors

beforeAll(async () => {
  server = await startDemoServer({ port: 0 });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: VIEWPORT });
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
  page.on('pageerror', (error) => problems.push(`page error: ${error}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => { if (response.status() >= 400) problems.push(`HTTP ${response.status()} ${response.url()}`); });
  await page.goto(server.url);
  await waitForRender(0);
});

afterAll(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
});

const renders = () => page.evaluate(() => Number(document.body.dataset.renders || 0));

/** Waits until a render after the `before`-th has finished and none is pending. */
async function waitForRender(before) {
  await page.waitForFunction((n) => Number(document.body.dataset.renders || 0) > n &&
    document.body.dataset.state !== 'busy', before, { timeout: 30000 });
}

/** Does something that recomputes, and waits for the result. */
async function andRender(action) {
  const before = await renders();
  await action();
  await waitForRender(before);
}

/** Each canvas under a selector: its size and a hash of its pixels. */
function canvases(selector) {
  return page.evaluate((sel) => [...document.querySelectorAll(`${sel} canvas`)].map((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let hash = 2166136261;
    for (let i = 0; i < data.length; i++) hash = Math.imul(hash ^ data[i], 16777619) >>> 0;
    return { width: canvas.width, height: canvas.height, hash };
  }), selector);
}

const text = (selector) => page.textContent(selector);

test('the first render shows the library\'s output, checked against the JS reference, on threaded-simd', async () => {
  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
  expect(await page.getAttribute('#status-backend', 'data-variant')).toBe('threaded-simd');
  expect(await text('#status-backend')).toMatch(/threaded-simd · \d+ threads? · cross-origin isolated/);
  expect(await text('#status-time')).toMatch(/ms \(median of 5 runs\)/);
  expect(await text('#status-diff')).toMatch(/max \|Δ\| .* ✓/);
  expect(await page.evaluate(() => window.demo.lastDiff)).toBeLessThan(1e-5);

  // Defaults: an 80x80 RGB image, 3x3 filters, M=2, O=2, stride 1, SAME.
  expect(await canvases('#input-maps')).toHaveLength(4);
  const mid = await canvases('#intermediate-maps');
  const out = await canvases('#output-maps');
  expect(mid).toHaveLength(6);
  expect(out).toHaveLength(2);
  for (const c of [...mid, ...out]) expect([c.width, c.height]).toEqual([80, 80]);
  expect(await text('#output-shape')).toMatch(/^\[1,80,80,2\]/);
  expect(await text('#intermediate-shape')).toMatch(/^\[1,80,80,6\]/);
  expect(await page.locator('#depthwise-grid .cell').count()).toBe(3 * 3 * 3 * 2);
  expect(await page.locator('#pointwise-grid .cell').count()).toBe(6 * 2);
  expect(await page.isHidden('#error')).toBe(true);
});

test('Adam (demo/adam.mjs): the first step is lr against the gradient\'s sign; the second follows the formula; it minimises a quadratic', async () => {
  const result = await page.evaluate(async () => {
    const { Adam } = await import('/demo/adam.mjs');
    const theta = new Float32Array([1, -2, 0.5]);
    const adam = new Adam([theta], { lr: 0.1 });
    adam.step([new Float32Array([3, -0.001, 0])]);
    const first = [...theta];
    adam.step([new Float32Array([1, 1, 1])]);
    const second = [...theta];
    // f(w) = sum((w - c)^2) from 0: its minimum is c.
    const c = [0.3, -0.7, 1.2];
    const w = new Float32Array(3);
    const fit = new Adam([w], { lr: 0.05 });
    for (let i = 0; i < 2000; i++) fit.step([Float32Array.from(w, (v, j) => 2 * (v - c[j]))]);
    return { first, second, w: [...w] };
  });
  // Step 1: m̂ = g and v̂ = g², so each weight moves by lr·g/(|g| + ε) (0 where g = 0).
  expect(result.first[0]).toBeCloseTo(0.9, 6);
  expect(result.first[1]).toBeCloseTo(-1.9, 5);
  expect(result.first[2]).toBe(0.5);
  // Step 2 for the first weight (gradient 3, then 1), from the formula.
  const m = 0.9 * (0.1 * 3) + 0.1 * 1, v = 0.999 * (0.001 * 9) + 0.001 * 1;
  const expected = 0.9 - 0.1 * (m / (1 - 0.9 ** 2)) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
  expect(result.second[0]).toBeCloseTo(expected, 6);
  result.w.forEach((v, j) => expect(v).toBeCloseTo([0.3, -0.7, 1.2][j], 3));
});

/** The Learn panel's progress (window.demo.learn) without its arrays. */
const learnState = () => page.evaluate(() => {
  const { status, target, steps, loss, firstLoss, stepsPerSecond, frames } = window.demo.learn;
  return { status, target, steps, loss, firstLoss, stepsPerSecond, frames };
});

test('Learn: targets and Reset prepare new problems; Train lowers the loss 10x, checked by the JS reference; Stop; screenshot', async () => {
  await page.waitForFunction(() => window.demo.learn.problem, null, { timeout: 30000 });
  expect(await learnState()).toMatchObject({ status: 'idle', target: 'edges', steps: 0, loss: null });
  expect(await page.getAttribute('#learn-targets [data-preset="edges"]', 'aria-pressed')).toBe('true');
  expect(await page.isDisabled('#learn-train')).toBe(false);
  expect(await page.isDisabled('#learn-stop')).toBe(true);
  const edges = await canvases('#learn-target-maps');
  expect(edges).toHaveLength(2);
  for (const c of [...edges, ...await canvases('#learn-output-maps')]) expect([c.width, c.height]).toEqual([80, 80]);
  expect(await text('#learn-shape')).toMatch(/^\[1,80,80,2\]/);
  expect(await page.locator('#learn-depthwise .cell').count()).toBe(3 * 3 * 3 * 2);
  expect(await page.locator('#learn-pointwise .cell').count()).toBe(6 * 2);

  // Another target: other target maps; Reset: other random filters.
  const problem = () => page.evaluate(() => window.demo.learn.problem);
  await page.click('#learn-targets [data-preset="mix"]');
  await page.waitForFunction(() => window.demo.learn.problem && window.demo.learn.target === 'mix', null, { timeout: 30000 });
  (await canvases('#learn-target-maps')).forEach((c, k) => expect(c.hash).not.toBe(edges[k].hash));
  // 'Your filters': the editors' filters, so the target is the page's output (same colour scale too).
  await page.click('#learn-targets [data-preset="yours"]');
  await page.waitForFunction(() => window.demo.learn.problem && window.demo.learn.target === 'yours');
  expect(await canvases('#learn-target-maps')).toEqual(await canvases('#output-maps'));
  await page.click('#learn-targets [data-preset="edges"]');
  await page.waitForFunction(() => window.demo.learn.problem && window.demo.learn.target === 'edges');
  const before = (await problem()).initial;
  await page.click('#learn-reset');
  await page.waitForFunction((dw0) => window.demo.learn.problem && window.demo.learn.problem.initial.dw[0] !== dw0, before.dw[0]);
  expect(await canvases('#learn-target-maps')).toEqual(edges);
  const outputBefore = await canvases('#learn-output-maps');

  // Train until the loss is a tenth of the first step's, then on to 400 steps for a clearer picture.
  const start = Date.now();
  await page.click('#learn-train');
  await page.waitForFunction(() => window.demo.learn.status === 'training');
  expect(await page.isDisabled('#learn-train')).toBe(true);
  // The page answers meanwhile: a depthwise preset recomputes the main outputs; the training,
  // whose target does not depend on the editors' filters, goes on undisturbed.
  const early = await learnState();
  await andRender(() => page.click('#depthwise-presets [data-preset="box"]'));
  await andRender(() => page.click('#depthwise-presets [data-preset="sobel-xy"]'));
  await page.waitForFunction((n) => window.demo.learn.steps > n, early.steps);
  expect(await learnState()).toMatchObject({ status: 'training', firstLoss: early.firstLoss });
  await page.waitForFunction(() => window.demo.learn.loss <= window.demo.learn.firstLoss / 10, null, { timeout: 60000 });
  const tenfold = await learnState();
  console.log(`Learn: loss ${tenfold.firstLoss.toExponential(2)} -> ${tenfold.loss.toExponential(2)} in ${tenfold.steps} steps, ${((Date.now() - start) / 1000).toFixed(1)} s`);
  await page.waitForFunction(() => window.demo.learn.steps >= 400, null, { timeout: 60000 });
  await page.click('#learn-stop');
  await page.waitForFunction(() => window.demo.learn.status === 'stopped');
  const stopped = await learnState();
  // The page drew while it trained (a frame every few steps) and says how fast it went.
  expect(stopped.frames - tenfold.frames).toBeGreaterThan(2);
  expect(await text('#learn-steps')).toBe(String(stopped.steps));
  expect(await text('#learn-speed')).toMatch(/^\d+$/);
  expect(await text('#learn-fall')).toMatch(/×$/);
  expect(await page.isDisabled('#learn-stop')).toBe(true);
  (await canvases('#learn-output-maps')).forEach((c, k) => expect(c.hash).not.toBe(outputBefore[k].hash));
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
  expect((await learnState()).steps).toBe(stopped.steps);  // stopped means stopped

  // The page's losses, checked with its float64 reference: the first is the starting filters',
  // and the learned filters' (and bias's) is at most a tenth of it.
  const check = await page.evaluate(async () => {
    const { separableConv2dReference } = await import('/demo/reference.mjs');
    const { input, dims: { K, C, M, O }, options, target, initial, weights } = window.demo.learn.problem;
    const geometry = { strides: [options.strides, options.strides], dilations: [options.dilations, options.dilations], padding: options.padding };
    const output = (dw, pw, bias) => {
      const y = separableConv2dReference(input, { data: dw, KH: K, KW: K, C, M }, pw, O, geometry).out.data;
      for (let i = 0; i < y.length; i++) y[i] += bias[i % O];
      return y;
    };
    const expected = output(target.dw, target.pw, new Float64Array(O));
    const mse = (y) => y.reduce((sum, v, i) => sum + (v - expected[i]) ** 2, 0) / y.length;
    return {
      activation: options.activation, format: options.dataFormat,
      first: mse(output(initial.dw, initial.pw, initial.bias)), last: mse(output(weights.dw, weights.pw, weights.bias)),
    };
  });
  expect(check).toMatchObject({ activation: 'linear', format: 'NHWC' });
  expect(Math.abs(check.first - stopped.firstLoss)).toBeLessThanOrEqual(1e-5 * check.first);
  expect(check.last).toBeLessThanOrEqual(stopped.firstLoss / 10);

  // In a viewport as tall as the page, so that the sticky status bar does not cover the panel.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: VIEWPORT.width, height });
  fs.mkdirSync(path.dirname(LEARN_SCREENSHOT), { recursive: true });
  await page.locator('#learn-section').screenshot({ path: LEARN_SCREENSHOT });
  await page.setViewportSize(VIEWPORT);
  expect(fs.statSync(LEARN_SCREENSHOT).size).toBeGreaterThan(10000);
});

test('the benchmark loads TensorFlow.js on demand, shows progress, then both times, ratio, difference; screenshot', async () => {
  expect(await page.evaluate(() => typeof window.tf)).toBe('undefined');  // not loaded with the page
  await page.click('#bench-button');
  expect(await page.isDisabled('#bench-button')).toBe(true);
  await page.waitForFunction(() => /^round \d+ of \d+: /.test(document.getElementById('bench-phase').textContent) &&
    !document.getElementById('bench-progress').hidden, null, { timeout: 60000 });
  await page.waitForFunction(() => document.body.dataset.bench, null, { timeout: 90000 });
  expect(await page.getAttribute('body', 'data-bench')).toBe('done');
  expect(await text('#bench-phase')).toMatch(/^done in \d+\.\d s$/);
  expect(await text('#bench-wasm')).toMatch(/^\d+(\.\d+)? ms$/);
  expect(await text('#bench-tfjs')).toMatch(/^\d+(\.\d+)? ms$/);
  expect(await text('#bench-wasm-build')).toMatch(/^threaded-simd build · \d+ threads?$/);
  expect(await text('#bench-tfjs-build')).toMatch(/^(threaded-simd|simd|baseline) build · \d+ threads?$/);
  expect(await text('#bench-tfjs-name')).toMatch(/^TensorFlow\.js \d+\.\d+\.\d+ wasm$/);
  expect(await text('#bench-ratio')).toMatch(/^\d+\.\d\d× (faster|slower)$/);
  expect(await text('#bench-check')).toMatch(/^outputs agree: max \|Δ\| \S+ ✓$/);
  const result = await page.evaluate(() => window.demo.bench);
  expect(result.engines.map((e) => e.name)).toEqual(['sepconv-wasm', 'TensorFlow.js']);
  expect(result.maxDiff).toBeLessThan(1e-3);
  expect(await page.isDisabled('#bench-button')).toBe(false);
  expect(await page.isHidden('#bench-progress')).toBe(true);

  // The whole page in one viewport, so the sticky bars sit where they belong.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: VIEWPORT.width, height });
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  await page.setViewportSize(VIEWPORT);
  expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10000);
});

test('a kernel preset changes the outputs\' content; a stride changes their size and content', async () => {
  const first = await canvases('#output-maps');
  await andRender(() => page.click('#depthwise-presets [data-preset="box"]'));
  expect(await page.getAttribute('#depthwise-presets [data-preset="box"]', 'aria-pressed')).toBe('true');
  const boxed = await canvases('#output-maps');
  expect(boxed.map((c) => [c.width, c.height])).toEqual(first.map((c) => [c.width, c.height]));
  boxed.forEach((c, k) => expect(c.hash).not.toBe(first[k].hash));

  await andRender(() => page.selectOption('#stride', '2'));
  const strided = await canvases('#output-maps');
  expect(strided).toHaveLength(2);
  for (const c of strided) expect([c.width, c.height]).toEqual([40, 40]);
  strided.forEach((c, k) => expect(c.hash).not.toBe(boxed[k].hash));
  for (const c of await canvases('#intermediate-maps')) expect([c.width, c.height]).toEqual([40, 40]);
  expect(await text('#output-shape')).toMatch(/^\[1,40,40,2\]/);
  expect(await text('#status-diff')).toMatch(/✓/);
});

test('dilation 2 with stride 2 shows the library\'s own error message inline; fixing it recovers', async () => {
  await andRender(() => page.selectOption('#dilation', '2'));
  expect(await page.getAttribute('body', 'data-state')).toBe('error');
  expect(await page.isVisible('#error')).toBe(true);
  // The message the library gives for these options, asked directly in the same page.
  const expected = await page.evaluate(async () => {
    const lib = await import('/dist/web/sepconv-wasm.mjs');
    const t = (shape) => ({ data: new Float32Array(shape.reduce((a, b) => a * b)), shape });
    try {
      await lib.separableConv2d(t([1, 80, 80, 3]), t([3, 3, 3, 2]), t([1, 1, 6, 2]), { strides: 2, dilations: 2, padding: 'SAME', dataFormat: 'NHWC' });
      return null;
    } catch (error) {
      return { name: error.name, code: error.code, message: error.message };
    }
  });
  expect(expected).toMatchObject({ name: 'SeparableConv2dError', code: 'BAD_DILATIONS' });
  expect(await text('#error .message')).toBe(expected.message);
  expect(await text('#error .code')).toBe('SeparableConv2dError BAD_DILATIONS');
  expect(await page.getAttribute('#output-maps', 'class')).toMatch(/stale/);
  await page.waitForFunction(() => window.demo.learn.status === 'error');  // the Learn panel says so too
  expect(await text('#learn-error')).toBe(`BAD_DILATIONS: ${expected.message}`);

  await andRender(() => page.selectOption('#stride', '1'));
  expect(await page.getAttribute('body', 'data-state')).toBe('ready');
  expect(await page.isHidden('#error')).toBe(true);
  await page.waitForFunction(() => window.demo.learn.status === 'idle');
  expect(await page.isHidden('#learn-error')).toBe(true);
  for (const c of await canvases('#output-maps')) expect([c.width, c.height]).toEqual([80, 80]);
  expect(await text('#status-diff')).toMatch(/✓/);
});

test('editing a filter cell, NCHW, VALID padding and other controls recompute correctly', async () => {
  await andRender(() => page.selectOption('#dilation', '1'));
  const before = await canvases('#output-maps');
  await page.click('#depthwise-grid .cell >> nth=4');  // the centre of the first 3x3 filter
  await page.fill('.cell-editor', '-2.5');
  await andRender(() => page.press('.cell-editor', 'Enter'));
  expect(await page.getAttribute('#depthwise-grid .cell >> nth=4', 'aria-label')).toMatch(/value -2\.5$/);
  expect(await page.getAttribute('#depthwise-presets [data-preset="box"]', 'aria-pressed')).toBe('false');
  const edited = await canvases('#output-maps');
  expect(edited[0].hash).not.toBe(before[0].hash);

  await andRender(() => page.selectOption('#format', 'NCHW'));
  expect(await text('#output-shape')).toMatch(/^\[1,2,80,80\]/);
  const nchw = await canvases('#output-maps');
  expect(nchw.map((c) => c.hash)).toEqual(edited.map((c) => c.hash));  // same numbers, other layout

  await andRender(() => page.selectOption('#padding', 'VALID'));
  await andRender(() => page.selectOption('#kernel', '5'));
  await andRender(() => page.selectOption('#multiplier', '3'));
  await andRender(() => page.selectOption('#outputs', '4'));
  await andRender(() => page.selectOption('#activation', 'relu'));
  expect(await text('#output-shape')).toMatch(/^\[1,4,76,76\]/);
  await page.waitForFunction(() => /^\[1,4,76,76\]/.test(document.getElementById('learn-shape').textContent));
  expect(await canvases('#learn-target-maps')).toHaveLength(4);
  expect(await page.locator('#learn-depthwise .cell').count()).toBe(5 * 5 * 3 * 3);
  expect(await canvases('#intermediate-maps')).toHaveLength(9);
  expect(await page.locator('#depthwise-grid .cell').count()).toBe(5 * 5 * 3 * 3);
  expect(await text('#status-diff')).toMatch(/✓/);

  await andRender(() => page.selectOption('#channels', '1'));
  expect(await canvases('#input-maps')).toHaveLength(2);
  expect(await canvases('#intermediate-maps')).toHaveLength(3);
  expect(await text('#status-diff')).toMatch(/✓/);
});

test('an image from the file picker or dropped on the page becomes the input, at most 128 px', async () => {
  await andRender(() => page.click('#samples [data-sample="landscape"]'));
  // A 300x180 PNG: a screenshot of part of the page itself.
  const png = await page.screenshot({ clip: { x: 0, y: 0, width: 300, height: 180 } });
  await andRender(() => page.setInputFiles('#file', { name: 'mine.png', mimeType: 'image/png', buffer: png }));
  const input = await canvases('#input-maps');
  expect([input[0].width, input[0].height]).toEqual([128, 77]);
  expect(await text('#file-status')).toBe('mine.png: 128×77');
  const [out] = await canvases('#output-maps');
  expect([out.width, out.height]).toEqual([124, 73]);  // VALID 5x5
  expect(await page.getAttribute('#samples [data-sample="landscape"]', 'aria-pressed')).toBe('false');
  expect(await text('#status-diff')).toMatch(/✓/);

  // Drag and drop: a 64x32 image dropped anywhere on the page.
  await andRender(() => page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 32;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#c33';
    ctx.fillRect(0, 0, 64, 32);
    ctx.fillStyle = '#3c3';
    ctx.fillRect(16, 8, 32, 16);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    const transfer = new DataTransfer();
    transfer.items.add(new File([blob], 'dropped.png', { type: 'image/png' }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }));
  const dropped = await canvases('#input-maps');
  expect([dropped[0].width, dropped[0].height]).toEqual([64, 32]);
  expect(await text('#file-status')).toBe('dropped.png: 64×32');
});

test('without node_modules the benchmark times sepconv-wasm alone and says TensorFlow.js is not available', async () => {
  const bare = await browser.newPage({ viewport: VIEWPORT });
  try {
    await bare.route('**/node_modules/**', (route) => route.fulfill({ status: 404, body: 'not found' }));
    await bare.goto(server.url);
    await bare.waitForFunction(() => !document.getElementById('bench-button').disabled, null, { timeout: 30000 });
    await bare.click('#bench-button');
    await bare.waitForFunction(() => document.body.dataset.bench, null, { timeout: 90000 });
    expect(await bare.getAttribute('body', 'data-bench')).toBe('done');
    expect(await bare.textContent('#bench-wasm')).toMatch(/^\d+(\.\d+)? ms$/);
    expect(await bare.textContent('#bench-tfjs')).toBe('not available');
    expect(await bare.textContent('#bench-tfjs-build')).toMatch(/could not load .*tf-core\.min\.js/);
    expect(await bare.textContent('#bench-phase')).toMatch(/sepconv-wasm alone, TensorFlow\.js is not available$/);
    expect(await bare.textContent('#bench-ratio')).toBe('–');
  } finally {
    await bare.close();
  }
});

test('no console errors and no failed requests', () => {
  expect(problems).toEqual([]);
});
