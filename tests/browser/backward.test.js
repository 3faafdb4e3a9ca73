'use strict';
// The backward pass in the browser entry, in Debian's Chromium: on a cross-origin isolated page
// (the threaded build: the backward job runs in the page's pool) and on a plain one (the SIMD
// build: in one go, in a task of its own), random backward calls, one-shot and through layers,
// some into options.outputs (arrays, WasmTensors), against the float64 gradients; the sync forms refused on the page's thread; the heap back
// where it was. Data goes to and from the page as plain arrays.

const { launchChromium } = require('./chromium');
const { withPage } = require('./open_page');
const { drawConfig } = require('../js/random');
const {
  backwardProblem, referenceOptions, expectedGradients, gradientProblems, describeProblem,
} = require('../js/backward_problem');

const FIRST_SEED = 1350000;
const CASES = 10;

const plain = ({ data, shape }) => ({ data: Array.from(data), shape });

// Even cases through a layer, odd ones one-shot; the last two have a batch of 0. Some write the
// gradients into options.outputs: Float32Arrays, or WasmTensors (dBias an array).
const OUTPUTS = { 2: 'tensors', 3: 'arrays', 4: 'arrays', 8: 'tensors', 9: 'arrays' };
const PROBLEMS = Array.from({ length: CASES }, (_, i) => {
  const cfg = drawConfig(FIRST_SEED + i);
  return backwardProblem(i < CASES - 2 ? cfg : { ...cfg, N: 0 });
});
const PAGE_CASES = PROBLEMS.map((p, i) => {
  const { bias, ...options } = referenceOptions(p);
  return {
    x: plain(p.x), depthwise: plain(p.depthwise), pointwise: plain(p.pointwise), dy: plain(p.dy),
    options: bias === undefined ? options : { ...options, bias: Array.from(bias) },
    layer: i % 2 === 0,
    outputs: OUTPUTS[i],
  };
});

let chromium;

beforeAll(async () => {
  chromium = await launchChromium();
});

afterAll(async () => {
  if (chromium) await chromium.close();
});

describe.each([
  [true, 'threaded-simd'],
  [false, 'simd'],
])('a page with cross-origin isolation %p', (isolated, variant) => {
  test.each([
    ['one after another', false],
    ['all at once', true],
  ])(`backward calls (layer and one-shot), %s, match the float64 gradients on the '${variant}' build; the sync forms are refused`, async (_, concurrent) => {
    await withPage(chromium, isolated, async ({ page, consoleErrors }) => {
      const { results, backend, heapReturned, syncErrors } = await page.evaluate(([c, all]) => window.backwardCases(c, all), [PAGE_CASES, concurrent]);
      expect(backend.variant).toBe(variant);
      const failures = [];
      PROBLEMS.forEach((p, i) => {
        const got = results[i];
        if (got.error) {
          failures.push(`${describeProblem(p)}: ${got.error.code}: ${got.error.message}`);
          return;
        }
        const notFloat32 = Object.keys(got).filter((key) => !got[key].float32);
        const notTheirs = Object.keys(got).filter((key) => !got[key].theirs);
        const revived = Object.fromEntries(Object.entries(got).map(([key, { data, shape }]) => [key, { data: Float32Array.from(data), shape }]));
        const problems = [...gradientProblems(revived, expectedGradients(p)), ...notFloat32.map((key) => `${key} is not a Float32Array`),
          ...notTheirs.map((key) => `${key} is not the ${PAGE_CASES[i].outputs} output given`)];
        if (problems.length) failures.push(`${describeProblem(p)} (${PAGE_CASES[i].layer ? 'layer' : 'one-shot'}, outputs ${PAGE_CASES[i].outputs}): ${problems.join('; ')}`);
      });
      expect(failures).toEqual([]);
      expect(heapReturned).toBe(true);
      for (const name of ['separableConv2dBackwardSync', 'backwardSync']) {
        expect(syncErrors[name]).toMatchObject({ code: 'NOT_SUPPORTED', isSeparableConv2dError: true });
      }
      expect(consoleErrors).toEqual([]);
    });
  });
});
