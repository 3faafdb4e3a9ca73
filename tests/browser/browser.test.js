'use strict';
// The browser entry in Debian's Chromium: a page served on localhost imports
// dist/web/sepconv-wasm.mjs and computes random cases, checked against the float64 reference.

const path = require('path');
const { startServer } = require('./static_server');
const { launchChromium } = require('./chromium');
const { drawConfig } = require('../js/random');
const { tensorsFor, apiOptions, referenceSpec, describeConfig } = require('../js/config');
const { separableConv2dReference } = require('../js/reference');
const { mismatch } = require('../js/compare');

const ROOT = path.resolve(__dirname, '..', '..');
const FIRST_SEED = 7000;
const CASES = 40;

let chromium;

beforeAll(async () => {
  chromium = await launchChromium();
});

afterAll(async () => {
  if (chromium) await chromium.close();
});

async function openPage(isolated) {
  const server = await startServer(ROOT, { isolated });
  const page = await chromium.newPage();
  const consoleErrors = [];
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('response', (response) => { if (response.status() >= 400) consoleErrors.push(`${response.status()} ${response.url()}`); });
  await page.goto(`${server.url}/tests/browser/page.html`);
  await page.waitForFunction(() => window.ready === true);
  return { page, consoleErrors, close: async () => { await page.close(); await server.close(); } };
}

const plain = ({ data, shape }) => ({ data: Array.from(data), shape });

test('a cross-origin isolated page computes random cases like the reference, with threads', async () => {
  const { page, consoleErrors, close } = await openPage(true);
  try {
    const configs = Array.from({ length: CASES }, (_, i) => drawConfig(FIRST_SEED + i));
    const cases = configs.map((cfg) => {
      const t = tensorsFor(cfg);
      return { x: plain(t.x), depthwise: plain(t.depthwise), pointwise: plain(t.pointwise), options: apiOptions(cfg) };
    });
    const { results, backend } = await page.evaluate((c) => window.runCases(c), cases);
    expect(backend).toMatchObject({ variant: 'threaded-simd', simd: true, crossOriginIsolated: true });
    expect(backend.threads).toBeGreaterThanOrEqual(1);
    configs.forEach((cfg, i) => {
      const t = tensorsFor(cfg);
      const expected = separableConv2dReference(t.x, t.depthwise, t.pointwise, referenceSpec(cfg));
      const got = results[i];
      expect(got.error).toBeUndefined();
      const problem = mismatch({ data: Float32Array.from(got.data), shape: got.shape }, expected);
      if (problem) throw new Error(`${describeConfig(cfg)}: ${problem}`);
    });
    expect(consoleErrors).toEqual([]);
  } finally {
    await close();
  }
});

test('errors reach the page as SeparableConv2dError with a code', async () => {
  const { page, close } = await openPage(true);
  try {
    const bad = {
      x: { data: [1, 2, 3, 4], shape: [1, 2, 2, 1] },
      depthwise: { data: [1], shape: [1, 1, 1, 1] },
      pointwise: { data: [1, 1], shape: [1, 1, 2, 1] },
      options: { strides: 1, padding: 'VALID' },
    };
    const { results } = await page.evaluate((c) => window.runCases(c), [bad]);
    expect(results[0].error).toMatchObject({ name: 'SeparableConv2dError', code: 'BAD_SHAPE' });
    expect(results[0].error.message).toMatch(/pointwiseFilter/);
  } finally {
    await close();
  }
});

test('a page without cross-origin isolation gets a clear error naming the headers', async () => {
  const { page, close } = await openPage(false);
  try {
    const tiny = { data: [1], shape: [1, 1, 1, 1] };
    const { results } = await page.evaluate((c) => window.runCases(c), [
      { x: tiny, depthwise: tiny, pointwise: tiny, options: { strides: 1, padding: 'VALID' } },
    ]);
    expect(results[0].error).toMatchObject({ name: 'SeparableConv2dError', code: 'NOT_SUPPORTED' });
    expect(results[0].error.message).toMatch(/Cross-Origin-Opener-Policy/);
  } finally {
    await close();
  }
});
