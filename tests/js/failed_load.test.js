'use strict';
// A failed load (issue 12): a .wasm that is not one, does not compile, or does not fit its glue
// makes init() reject with NOT_BUILT naming the file and saying what is wrong, leaves nothing
// running (a Node.js process exits by itself, even after a failed threaded load whose pthread
// workers had started), and the next init() with good files works.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { init, separableConv2d, getBackendInfo, dispose } = require('../../js/index.js');
const { VARIANT_NAMES } = require('../../js/backends.js');
const { tiny } = require('./config');

const WASM_DIR = path.join(__dirname, '..', '..', 'dist', 'wasm');
const INDEX = path.join(__dirname, '..', '..', 'js', 'index.js');

let dir;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sepconv-failed-load-'));
  for (const file of fs.readdirSync(WASM_DIR)) fs.copyFileSync(path.join(WASM_DIR, file), path.join(dir, file));
});

afterEach(() => {
  dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const wasmOf = (variant) => path.join(dir, `sepconv-${variant}.wasm`);

/** The ways a .wasm goes wrong: what to write over it, and what the error must say. */
const DAMAGE = {
  'an HTML page': {
    write: (file) => fs.writeFileSync(file, '<!doctype html><title>Not found</title>'),
    says: /is not a wasm module \(\d+ bytes, starting 3c 21 64 6f .*'<!doctype html><'\)/,
  },
  'a truncated module': {
    write: (file) => fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 1000)),
    says: /does not compile: /,
  },
  'garbage in the code section': {
    write: (file) => {
      const bytes = fs.readFileSync(file);
      const middle = Math.floor(bytes.length / 2);
      bytes.fill(0xff, middle, middle + 64);
      fs.writeFileSync(file, bytes);
    },
    says: /does not compile: /,
  },
};

describe.each(VARIANT_NAMES)('%s', (variant) => {
  test.each(Object.keys(DAMAGE))('%s: NOT_BUILT naming the file; then a good init() works', async (damage) => {
    DAMAGE[damage].write(wasmOf(variant));
    const error = await init({ backend: variant, wasmPaths: dir }).then(() => null, (e) => e);
    expect(error).toMatchObject({ name: 'SeparableConv2dError', code: 'NOT_BUILT' });
    expect(error.message).toContain(`the '${variant}' wasm build cannot load: ${wasmOf(variant)} `);
    expect(error.message).toMatch(DAMAGE[damage].says);
    expect(getBackendInfo()).toBeNull();

    await init({ backend: variant });
    expect(Array.from((await separableConv2d(...tiny())).data)).toEqual([6, 12, 18, 24]);
  });
});

test.each(VARIANT_NAMES)('%s: a loader script that is not one (an HTML page, a script exporting nothing): NOT_BUILT naming it', async (variant) => {
  for (const [text, says] of [['<!doctype html><title>Not found</title>', /SyntaxError/], ['module.exports = 42;', /exports no factory/]]) {
    const caseDir = fs.mkdtempSync(path.join(dir, 'case-'));  // a new path: require() caches by path
    for (const file of fs.readdirSync(WASM_DIR)) fs.copyFileSync(path.join(WASM_DIR, file), path.join(caseDir, file));
    const js = path.join(caseDir, `sepconv-${variant}.js`);
    fs.writeFileSync(js, text);
    const error = await init({ backend: variant, wasmPaths: caseDir }).then(() => null, (e) => e);
    expect(error).toMatchObject({ name: 'SeparableConv2dError', code: 'NOT_BUILT' });
    expect(error.message).toContain(`the '${variant}' wasm build cannot load: ${js} is not its loader script`);
    expect(error.message).toMatch(says);
  }
  await init({ backend: variant });
  expect(Array.from((await separableConv2d(...tiny())).data)).toEqual([6, 12, 18, 24]);
});

test('a threaded .wasm that compiles but does not fit its glue: NOT_BUILT naming both files', async () => {
  fs.copyFileSync(wasmOf('simd'), wasmOf('threaded-simd'));
  await expect(init({ backend: 'threaded-simd', wasmPaths: dir })).rejects.toMatchObject({
    code: 'NOT_BUILT',
    message: expect.stringMatching(/did not start from .*sepconv-threaded-simd\.wasm with .*sepconv-threaded-simd\.js.*LinkError/),
  });
  await init({ backend: 'threaded-simd', threads: 2 });
  expect(Array.from((await separableConv2d(...tiny())).data)).toEqual([6, 12, 18, 24]);
});

describe('a Node.js process exits by itself after a failed threaded init()', () => {
  // Before, the pool's pthread workers stayed alive and the process never ended.
  const script = (wasmPaths) => `
    const { init } = require(${JSON.stringify(INDEX)});
    init({ backend: 'threaded-simd', threads: 2, wasmPaths: ${JSON.stringify(wasmPaths)} })
      .then(() => console.log('loaded'), (error) => console.log(error.code));`;
  const runNode = (wasmPaths) => execFileSync(process.execPath, ['-e', script(wasmPaths)], {
    timeout: 20000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();

  test('a .wasm that does not compile', () => {
    DAMAGE['garbage in the code section'].write(wasmOf('threaded-simd'));
    expect(runNode(dir)).toBe('NOT_BUILT');
  });

  test('a .wasm that does not fit its glue, after the pthread workers started', () => {
    fs.copyFileSync(wasmOf('simd'), wasmOf('threaded-simd'));
    expect(runNode(dir)).toBe('NOT_BUILT');
  });
});
