'use strict';
// The three wasm builds (threaded-simd, simd, baseline): each, forced with init({ backend }),
// computes the float64 reference's results (one-shot and prepared layers with bias/activation);
// getBackendInfo() tells which runs; the default choice follows feature detection (tested with
// simulated environments); bad options are refused; wasmPaths finds the files elsewhere; and the
// baseline .wasm holds no SIMD instruction at all.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { pathToFileURL } = require('url');
const { execFileSync } = require('child_process');
const {
  init, separableConv2d, separableConv2dSync, createSeparableConv2d, getBackendInfo, getMemoryInfo, dispose,
} = require('../../js/index.js');
const { resolveInit, detectFeatures, VARIANT_NAMES } = require('../../js/backends.js');
const { drawConfig, drawEpilogue } = require('./random');
const { tensorsFor, apiOptions, referenceSpec, describeConfig, tiny } = require('./config');
const { separableConv2dReference, applyBiasActivation } = require('./reference');
const { mismatch, resultFormProblems } = require('./compare');

const WASM_DIR = path.join(__dirname, '..', '..', 'dist', 'wasm');
const FIRST_SEED = 31000;
const CASES = 60;
const CONFIGS = Array.from({ length: CASES }, (_, i) => drawConfig(FIRST_SEED + i));

afterEach(() => dispose());

describe.each(VARIANT_NAMES)('backend %s', (variant) => {
  const expectedInfo = {
    variant,
    simd: variant !== 'baseline',
    crossOriginIsolated: false,
    threads: variant === 'threaded-simd' ? 2 : 1,
  };

  test('computes the float64 reference\'s results (one-shot)', async () => {
    await init({ backend: variant, ...(variant === 'threaded-simd' ? { threads: 2 } : {}) });
    expect(getBackendInfo()).toEqual(expectedInfo);
    for (const cfg of CONFIGS) {
      const t = tensorsFor(cfg);
      const got = separableConv2dSync(t.x, t.depthwise, t.pointwise, apiOptions(cfg));
      const expected = separableConv2dReference(t.x, t.depthwise, t.pointwise, referenceSpec(cfg));
      const problems = resultFormProblems(got, expected.shape);
      const problem = mismatch(got, expected);
      if (problem) problems.push(problem);
      if (problems.length) throw new Error(`${variant}: ${describeConfig(cfg)}: ${problems.join('; ')}`);
    }
  });

  test('computes prepared layers with bias and activation like the reference', async () => {
    await init({ backend: variant });
    for (const cfg of CONFIGS.slice(0, 30)) {
      const t = tensorsFor(cfg);
      const epilogue = drawEpilogue(cfg);
      const options = { ...apiOptions(cfg), bias: epilogue.bias, activation: epilogue.activation };
      const layer = await createSeparableConv2d(t.depthwise, t.pointwise, options);
      const got = await layer.run(t.x);
      layer.dispose();
      const pre = separableConv2dReference(t.x, t.depthwise, t.pointwise, referenceSpec(cfg));
      const expected = applyBiasActivation(pre, epilogue.bias, epilogue.activation, cfg.dataFormat);
      // Measured at the pre-activation scale, as in layer.test.js (relu6 clamps after rounding).
      const scale = applyBiasActivation(pre, epilogue.bias, 'linear', cfg.dataFormat).data
        .reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const problem = mismatch(got, expected, { scale });
      if (problem) throw new Error(`${variant}: ${describeConfig(cfg)}: ${problem}`);
    }
    expect(getMemoryInfo().heapBytesInUse).toBeGreaterThan(0);
  });

  test('takes the default thread count: the cores (at most 8) on threaded-simd, else 1', async () => {
    await init({ backend: variant });
    const info = getBackendInfo();
    if (variant === 'threaded-simd') {
      expect(info.threads).toBe(Math.max(1, Math.min(os.availableParallelism ? os.availableParallelism() : os.cpus().length, 8)));
    } else {
      expect(info.threads).toBe(1);
    }
    const y = await separableConv2d(...tiny());
    expect(Array.from(y.data)).toEqual([6, 12, 18, 24]);
  });
});

test('by default Node.js gets threaded-simd', async () => {
  await init();
  expect(getBackendInfo()).toMatchObject({ variant: 'threaded-simd', simd: true, crossOriginIsolated: false });
});

test('dispose() and a new backend: layers of the old module refuse to run', async () => {
  await init({ backend: 'simd' });
  const [x, dw, pw, options] = tiny();
  const layer = await createSeparableConv2d(dw, pw, options);
  await expect(init({ backend: 'baseline' })).rejects.toMatchObject({
    code: 'BAD_OPTIONS', message: expect.stringMatching(/already started with backend 'simd'.*dispose\(\)/),
  });
  dispose();
  await init({ backend: 'baseline' });
  expect(getBackendInfo().variant).toBe('baseline');
  expect(() => layer.runSync(x)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
});

describe('bad options', () => {
  test.each([
    [{ backend: 'gpu' }, /backend must be 'threaded-simd', 'simd', 'baseline' or left out.*got 'gpu'/],
    [{ backend: 'SIMD' }, /backend must be/],
    [{ backend: null }, /backend must be/],
    [{ wasmPaths: 42 }, /wasmPaths must be a base URL or directory/],
    [{ wasmPaths: '' }, /wasmPaths must be/],
    [{ wasmPaths: { 'sepconv-simd.wam': '/x' } }, /unknown file name 'sepconv-simd.wam'/],
    [{ wasmPaths: { 'sepconv-simd.wasm': 3 } }, /wasmPaths\['sepconv-simd.wasm'\] must be a non-empty string/],
    [{ wasmPaths: 'https://cdn.example/sepconv/' }, /in Node.js, wasmPaths must be a directory or file path/],
    [{ thread: 2 }, /unknown option 'thread'/],
    [null, /options must be an object/],
    ['simd', /options must be an object/],
  ])('init(%p) is refused with BAD_OPTIONS', async (options, message) => {
    await expect(init(options)).rejects.toMatchObject({ name: 'SeparableConv2dError', code: 'BAD_OPTIONS', message: expect.stringMatching(message) });
    expect(getBackendInfo()).toBeNull();
  });

  test.each(['simd', 'baseline'])('threads > 1 with %s is refused, naming threaded-simd', async (backend) => {
    await expect(init({ backend, threads: 2 })).rejects.toMatchObject({
      code: 'BAD_OPTIONS', message: expect.stringMatching(new RegExp(`threads: 2 needs backend 'threaded-simd'; the '${backend}' build has no threads`)),
    });
    await init({ backend, threads: 1 });
    expect(getBackendInfo()).toMatchObject({ variant: backend, threads: 1 });
  });
});

describe('the choice in other environments (simulated features)', () => {
  const features = (simd, threads, isolated) => ({
    ...detectFeatures(),
    simd,
    threads,
    crossOriginIsolated: isolated,
    missingSimd: simd ? null : 'no SIMD here',
    missingThreads: threads ? null : 'not cross-origin isolated: serve it with COOP/COEP',
  });
  const four = () => 4;

  test('the best build that runs, and threads only with threaded-simd', () => {
    expect(resolveInit({}, four, features(true, true, true))).toEqual({ variant: 'threaded-simd', threads: 4, wasmPaths: undefined, given: { threads: false, backend: false } });
    expect(resolveInit({}, four, features(true, false, false))).toEqual({ variant: 'simd', threads: 1, wasmPaths: undefined, given: { threads: false, backend: false } });
    expect(resolveInit({}, four, features(false, false, false))).toEqual({ variant: 'baseline', threads: 1, wasmPaths: undefined, given: { threads: false, backend: false } });
    expect(resolveInit({ threads: 1 }, four, features(true, false, false)).variant).toBe('simd');
    // A browser with threads but no SIMD has nothing threaded to run.
    expect(resolveInit({}, four, features(false, true, true)).variant).toBe('baseline');
  });

  test('a build the environment cannot run is NOT_SUPPORTED, naming what is missing', () => {
    expect(() => resolveInit({ backend: 'threaded-simd' }, four, features(true, false, false)))
      .toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED', message: expect.stringMatching(/'threaded-simd' build cannot run here: not cross-origin isolated/) }));
    expect(() => resolveInit({ backend: 'simd' }, four, features(false, true, true)))
      .toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED', message: expect.stringMatching(/'simd' build cannot run here: no SIMD here/) }));
    expect(() => resolveInit({ threads: 2 }, four, features(true, false, false)))
      .toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED', message: expect.stringMatching(/threads: 2 needs the 'threaded-simd' build.*not cross-origin isolated/) }));
    expect(resolveInit({ backend: 'baseline' }, four, features(false, false, false)).variant).toBe('baseline');
  });

  test('this Node.js has SIMD and threads', () => {
    expect(detectFeatures()).toMatchObject({ simd: true, threads: true, crossOriginIsolated: false });
  });
});

describe('wasmPaths in Node.js', () => {
  let copyDir;
  beforeAll(() => {
    copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sepconv-wasm-paths-'));
    for (const file of fs.readdirSync(WASM_DIR)) fs.copyFileSync(path.join(WASM_DIR, file), path.join(copyDir, file));
  });
  afterAll(() => fs.rmSync(copyDir, { recursive: true, force: true }));

  test.each([
    ['a directory', () => copyDir],
    ['a file: URL of the directory', () => pathToFileURL(copyDir).href],
  ])('%s, for every build', async (_, where) => {
    for (const backend of VARIANT_NAMES) {
      await init({ backend, wasmPaths: where() });
      expect(Array.from((await separableConv2d(...tiny())).data)).toEqual([6, 12, 18, 24]);
      dispose();
    }
  });

  test('a map of file names to paths', async () => {
    await init({
      backend: 'baseline',
      wasmPaths: {
        'sepconv-baseline.js': path.join(copyDir, 'sepconv-baseline.js'),
        'sepconv-baseline.wasm': pathToFileURL(path.join(copyDir, 'sepconv-baseline.wasm')).href,
      },
    });
    expect(Array.from((await separableConv2d(...tiny())).data)).toEqual([6, 12, 18, 24]);
  });

  test('missing files are NOT_BUILT, naming the path; init can be retried', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'sepconv-empty-'));
    try {
      await expect(init({ backend: 'simd', wasmPaths: empty })).rejects.toMatchObject({
        code: 'NOT_BUILT', message: expect.stringContaining(path.join(empty, 'sepconv-simd.js')),
      });
      await init({ backend: 'simd' });
      expect(getBackendInfo().variant).toBe('simd');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('the builds\' instructions', () => {
  // binaryen's wasm-opt comes with Debian's emscripten, which the build needs anyway. It
  // validates each module with every wasm feature except SIMD enabled.
  const validWithoutSimd = (variant) => {
    try {
      execFileSync('wasm-opt', ['--all-features', '--disable-simd', path.join(WASM_DIR, `sepconv-${variant}.wasm`), '-o', os.devNull], { stdio: 'pipe' });
      return true;
    } catch (error) {
      if (error.code === 'ENOENT') throw new Error('wasm-opt (binaryen, installed with emscripten) is needed for this test');
      return false;
    }
  };

  test('the baseline build has no SIMD instruction; the simd builds do', () => {
    expect(validWithoutSimd('baseline')).toBe(true);
    expect(validWithoutSimd('simd')).toBe(false);
    expect(validWithoutSimd('threaded-simd')).toBe(false);
  });

  test('only threaded-simd uses shared memory (threads); it alone has a .worker.js', () => {
    expect(fs.existsSync(path.join(WASM_DIR, 'sepconv-threaded-simd.worker.js'))).toBe(true);
    expect(fs.existsSync(path.join(WASM_DIR, 'sepconv-simd.worker.js'))).toBe(false);
    expect(fs.existsSync(path.join(WASM_DIR, 'sepconv-baseline.worker.js'))).toBe(false);
    const importsSharedMemory = (variant) => {
      const module = new WebAssembly.Module(fs.readFileSync(path.join(WASM_DIR, `sepconv-${variant}.wasm`)));
      return WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');
    };
    expect(importsSharedMemory('threaded-simd')).toBe(true);
    expect(importsSharedMemory('simd')).toBe(false);
    expect(importsSharedMemory('baseline')).toBe(false);
  });
});
