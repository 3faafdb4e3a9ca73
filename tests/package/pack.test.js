'use strict';
// The package as a user gets it: `npm pack` the repository, install the tarball into a fresh
// project with no Emscripten anywhere on PATH, and use it from CommonJS, from an ES module,
// through `npx sepconv-wasm`, through `sepconv-wasm/npy`, and from TypeScript (`tsc --noEmit`),
// with the README's own examples. Also checks what the tarball holds and that the README's sizes
// are its sizes. Needs the wasm built first (`npm run build`) and `npm ci` (for typescript).

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { encodeNpy, parseNpy } = require('../../js/npy');

const REPO = path.resolve(__dirname, '..', '..');
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const EMSCRIPTEN_TOOLS = ['emcc', 'em++', 'emcmake', 'emconfigure'];
const KEEP = Boolean(process.env.SEPCONV_KEEP_PACK_DIR);  // keep the temporary directory to look at

let tmp;         // the temporary directory
let project;     // the fresh project the tarball is installed into
let env;         // the children's environment: PATH without Emscripten, no npm_* variables
let packed;      // npm pack's JSON report: { filename, size, unpackedSize, files: [{path, size}] }
let tarball;     // the .tgz file's path

/**
 * The children's environment. PATH keeps only directories without Emscripten's tools. Debian
 * installs emcc into /usr/bin beside node and npm, so a directory of links to node, npm, npx and sh
 * comes first and the Emscripten directories are dropped whole. npm_* variables (set when Jest
 * runs under `npm test`) are dropped so that the inner npm sees the user's defaults.
 */
function makeEnv(toolsDir) {
  const hasEmscripten = (dir) => /emscripten|emsdk/i.test(dir) ||
    EMSCRIPTEN_TOOLS.some((tool) => fs.existsSync(path.join(dir, tool)));
  const found = (tool) => {
    const r = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${tool} is not on PATH`);
    return fs.realpathSync(r.stdout.trim());
  };
  fs.mkdirSync(toolsDir);
  fs.symlinkSync(process.execPath, path.join(toolsDir, 'node'));
  fs.symlinkSync(found('npm'), path.join(toolsDir, 'npm'));
  fs.symlinkSync(found('npx'), path.join(toolsDir, 'npx'));
  fs.symlinkSync(found('sh'), path.join(toolsDir, 'sh'));  // npx runs bins through sh
  const kept = (process.env.PATH || '').split(path.delimiter).filter((dir) => dir && !hasEmscripten(dir));
  const childEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|EMSDK|EM_|EMSCRIPTEN)/i.test(key) || key === 'INIT_CWD') continue;
    childEnv[key] = value;
  }
  childEnv.PATH = [toolsDir, ...kept].join(path.delimiter);
  childEnv.npm_config_update_notifier = 'false';
  return childEnv;
}

/** Runs a command with the children's environment; throws with its output unless `expectFailure`. */
function run(command, args, { cwd = project, expectFailure = false } = {}) {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120000 });
  if (r.error) throw r.error;
  const ok = r.status === 0;
  if (ok === expectFailure) {
    throw new Error(`${command} ${args.join(' ')} exited with ${r.status}${expectFailure ? ' (expected a failure)' : ''}\n` +
      `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  return r;
}

/** Runs a Node.js script written into the project; returns its stdout parsed as JSON. */
function runScript(name, source) {
  fs.writeFileSync(path.join(project, name), source);
  return JSON.parse(run('node', [name]).stdout);
}

/** Writes a float32 .npy file into the project. */
function writeNpyFile(name, data, shape) {
  fs.writeFileSync(path.join(project, name), encodeNpy(Float32Array.from(data), shape));
}

/** The installed package's own copy of a file (what the tarball holds). */
const installedFile = (file) => path.join(project, 'node_modules', 'sepconv-wasm', file);

/** The fenced ```js blocks of the installed README under the heading `## ${title}`, in order. */
function readmeBlocks(title) {
  const readme = fs.readFileSync(installedFile('README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start === -1) throw new Error(`README.md has no section "## ${title}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const blocks = [...readme.slice(start, end === -1 ? undefined : end).matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  if (blocks.length === 0) throw new Error(`README.md's "## ${title}" has no \`\`\`js block`);
  return blocks;
}

beforeAll(() => {
  const wasmDir = path.join(REPO, 'dist', 'wasm');
  if (!fs.existsSync(wasmDir) || !fs.readdirSync(wasmDir).some((f) => f.endsWith('.wasm'))) {
    throw new Error(`${wasmDir} holds no .wasm: build it first (npm run build, or bash scripts/build.sh)`);
  }
  if (!fs.existsSync(TSC)) throw new Error(`${TSC} is missing: run npm ci (typescript is a devDependency)`);

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sepconv-pack-'));
  env = makeEnv(path.join(tmp, 'tools'));
  project = path.join(tmp, 'project');
  fs.mkdirSync(project);

  // --ignore-scripts: the tarball holds what the tree holds; nothing is built here.
  const pack = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: REPO });
  [packed] = JSON.parse(pack.stdout);
  tarball = path.join(tmp, packed.filename);
  run('npm', ['init', '-y']);
  run('npm', ['install', tarball, '--no-audit', '--no-fund']);
}, 180000);

afterAll(() => {
  if (tmp && !KEEP) fs.rmSync(tmp, { recursive: true, force: true });
});

test('no Emscripten is reachable from the children\'s PATH', () => {
  for (const tool of EMSCRIPTEN_TOOLS) {
    const r = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env, encoding: 'utf8' });
    expect({ tool, status: r.status, found: r.stdout.trim() }).toEqual({ tool, status: 127, found: '' });
  }
  expect(run('node', ['--version']).stdout).toBe(`${process.version}\n`);
});

test('the tarball holds what the package needs and nothing else', () => {
  const files = packed.files.map((f) => f.path).sort();
  const has = (file) => files.includes(file);
  console.log(`${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${files.length} files:\n  ${files.join('\n  ')}`);

  for (const file of ['package.json', 'README.md', 'js/index.js', 'js/index.mjs', 'js/index.d.ts', 'js/api.js',
    'js/arguments.js', 'js/errors.js', 'js/npy.js', 'js/npy.mjs', 'js/npy.d.ts', 'bin/sepconv-wasm.js', 'bin/args.js', 'bin/cli.js']) {
    expect({ file, packed: has(file) }).toEqual({ file, packed: true });
  }
  // Every wasm binary comes with its Emscripten loader, and every threaded build with its worker.
  const wasm = files.filter((f) => /^dist\/wasm\/[^/]+\.wasm$/.test(f));
  expect(wasm.length).toBeGreaterThan(0);
  for (const file of wasm) {
    const base = file.slice(0, -'.wasm'.length);
    expect({ file, loader: has(`${base}.js`) }).toEqual({ file, loader: true });
    if (/thread/.test(base)) expect({ file, worker: files.some((f) => f.startsWith(`${base}.worker.`)) }).toEqual({ file, worker: true });
  }
  // Every file package.json points at is in the tarball.
  const manifest = JSON.parse(fs.readFileSync(path.join(project, 'node_modules', 'sepconv-wasm', 'package.json'), 'utf8'));
  const targets = [manifest.main, manifest.types, manifest.browser, ...Object.values(manifest.bin || {})];
  const collect = (value) => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(manifest.exports);
  expect(Object.keys(manifest.bin || {})).toContain('sepconv-wasm');
  // Bundlers may drop the package's modules when unused: nothing runs on import but set-up.
  expect(manifest.sideEffects).toBe(false);
  // Node.js (and bundles for it) by the 'node' condition; browsers, bundlers for them and Jest's
  // jsdom by 'browser'; anything else (Rollup's default resolution) gets the browser build.
  expect(manifest.exports['.']).toEqual({
    types: './js/index.d.ts',
    node: { import: './js/index.mjs', require: './js/index.js' },
    browser: { require: './dist/web/sepconv-wasm.cjs', default: './dist/web/sepconv-wasm.mjs' },
    default: './dist/web/sepconv-wasm.mjs',
  });
  expect(manifest.exports['./npy']).toEqual({ types: './js/npy.d.ts', import: './js/npy.mjs', require: './js/npy.js' });
  for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'author']) {
    expect({ field, present: Boolean(manifest[field]) }).toEqual({ field, present: true });
  }
  for (const target of targets.filter(Boolean)) {
    const file = path.posix.normalize(target.replace(/^\.\//, ''));
    if (file.includes('*')) continue;
    expect({ target, packed: has(file) }).toEqual({ target, packed: true });
  }
  // Nothing from the source tree, the build or the tests.
  const allowedTop = /^(package\.json|README\.md|LICEN[CS]E(\.\w+)?|NOTICE(\.\w+)?|CHANGELOG\.md|js\/|bin\/|dist\/)/;
  for (const file of files) {
    expect({ file, allowed: allowedTop.test(file) }).toEqual({ file, allowed: true });
    expect({ file, forbidden: /^(cpp|tests|bench|build|node_modules|scripts|docs|examples|web|dist\/bench)\//.test(file) })
      .toEqual({ file, forbidden: false });
  }
  expect(fs.statSync(tarball).size).toBe(packed.size);
});

// The README states these sizes in one table; when a build or an edit changes them, this test
// says which cell to change to what.
test('the README\'s sizes are what npm pack made (### Sizes)', () => {
  const readme = fs.readFileSync(installedFile('README.md'), 'utf8');
  const section = readme.split(/^### Sizes$/m)[1];
  expect({ heading: '### Sizes', found: section !== undefined }).toEqual({ heading: '### Sizes', found: true });
  const stated = new Map();
  for (const line of section.split(/^#/m)[0].split('\n')) {
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const name = /^`([^`]+)`/.exec(cells[0] || '');
    if (cells.length === 3 && name) stated.set(name[1], { size: cells[1], gzipped: cells[2] });
  }

  const kB = (bytes) => `${Math.round(bytes / 1000)} kB`;
  const wanted = new Map([[packed.filename, { size: `${kB(packed.size)}, ${kB(packed.unpackedSize)} unpacked`, gzipped: '—' }]]);
  for (const { path: file, size } of packed.files) {
    if (!file.endsWith('.wasm') && !file.startsWith('dist/web/')) continue;
    const gzipped = zlib.gzipSync(fs.readFileSync(installedFile(file)), { level: 9 }).length;
    wanted.set(file, { size: `${size.toLocaleString('en-US')} bytes`, gzipped: kB(gzipped) });
  }

  const fixes = [];
  for (const [file, want] of wanted) {
    const have = stated.get(file);
    if (!have) {
      fixes.push(`README.md, ### Sizes: add the row | \`${file}\` | ${want.size} | ${want.gzipped} |`);
      continue;
    }
    for (const column of ['size', 'gzipped']) {
      if (have[column] !== want[column]) fixes.push(`README.md, ### Sizes, \`${file}\`, ${column}: change "${have[column]}" to "${want[column]}"`);
    }
  }
  for (const file of stated.keys()) {
    if (!wanted.has(file)) fixes.push(`README.md, ### Sizes: remove the row of \`${file}\`, which npm pack did not make`);
  }
  expect(fixes).toEqual([]);
});

test('the installed copy is the tarball\'s, not a link to the repository', () => {
  const installed = path.join(project, 'node_modules', 'sepconv-wasm');
  expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
  expect(fs.existsSync(path.join(installed, 'cpp'))).toBe(false);
  const bin = path.join(project, 'node_modules', '.bin', 'sepconv-wasm');
  expect(fs.realpathSync(bin)).toBe(path.join(fs.realpathSync(installed), 'bin', 'sepconv-wasm.js'));
});

// x = 1..9 as a 3x3 image; the depthwise kernel [[1,0],[0,1]] adds a pixel and its lower-right
// neighbour (VALID: 1+5, 2+6, 4+8, 5+9 = 6, 8, 12, 14); the pointwise filter [2, 0.5] makes two
// channels of it: 12,3  16,4  24,6  28,7. With bias [1,-1] and relu6: 6,2  6,3  6,5  6,6.
const HAND_CASE = `
  const x = { data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), shape: [1, 3, 3, 1] };
  const depthwise = { data: Float32Array.from([1, 0, 0, 1]), shape: [2, 2, 1, 1] };
  const pointwise = { data: Float32Array.from([2, 0.5]), shape: [1, 1, 1, 2] };
`;

test('CommonJS: require(\'sepconv-wasm\') computes a hand-checked case', () => {
  const out = runScript('check.cjs', `'use strict';
const { init, separableConv2d, separableConv2dSync, createSeparableConv2d, getBackendInfo, getMemoryInfo,
  SeparableConv2dError } = require('sepconv-wasm');
${HAND_CASE}
(async () => {
  await init({ threads: 2 });
  const y = await separableConv2d(x, depthwise, pointwise, { strides: [1, 1, 1, 1], padding: 'VALID' });
  const layer = await createSeparableConv2d(depthwise, pointwise,
    { strides: 1, padding: 'VALID', bias: Float32Array.from([1, -1]), activation: 'relu6' });
  const output = new Float32Array(8);
  const z = layer.runSync(x, { output });
  layer.dispose();
  let code = null;
  try { separableConv2dSync(x, depthwise, pointwise, { padding: 'SAME' }); } catch (e) {
    code = e instanceof SeparableConv2dError ? e.code : 'wrong class ' + e.name;
  }
  console.log(JSON.stringify({
    resolved: require.resolve('sepconv-wasm'), shape: y.shape, data: Array.from(y.data), isF32: y.data instanceof Float32Array,
    layer: Array.from(z.data), sameArray: z.data === output, code, backend: getBackendInfo(), memory: getMemoryInfo(),
  }));
})().catch((e) => { console.error(e); process.exit(1); });
`);
  expect(out.resolved).toBe(path.join(fs.realpathSync(project), 'node_modules', 'sepconv-wasm', 'js', 'index.js'));
  expect(out.shape).toEqual([1, 2, 2, 2]);
  expect(out.data).toEqual([12, 3, 16, 4, 24, 6, 28, 7]);
  expect(out.isF32).toBe(true);
  expect(out.layer).toEqual([6, 2, 6, 3, 6, 5, 6, 6]);
  expect(out.sameArray).toBe(true);
  expect(out.code).toBe('BAD_OPTIONS');
  expect(out.backend).toEqual(expect.objectContaining({ variant: expect.any(String), threads: 2, simd: expect.any(Boolean) }));
  expect(out.memory).toEqual({ wasmMemoryBytes: expect.any(Number), heapBytesInUse: expect.any(Number) });
});

test('ES module: import { ... } from \'sepconv-wasm\' computes a hand-checked case', () => {
  // A 3x3 box of ones with SAME padding on a 2x2 image: every window covers all four pixels,
  // so every output is 1+2+3+4 = 10, times the pointwise weight 0.5: 5.
  const out = runScript('check.mjs', `
import {
  init, separableConv2d, createSeparableConv2d, createWasmTensor, getBackendInfo, SeparableConv2dError, WasmTensor,
} from 'sepconv-wasm';
import api from 'sepconv-wasm';
await init();
const ones = { data: new Float32Array(9).fill(1), shape: [3, 3, 1, 1] };
const half = { data: Float32Array.from([0.5]), shape: [1, 1, 1, 1] };
const nhwc = await separableConv2d({ data: Float32Array.from([1, 2, 3, 4]), shape: [1, 2, 2, 1] }, ones, half, { strides: 1, padding: 'same' });
const nchw = await separableConv2d({ data: Float64Array.from([1, 2, 3, 4]), shape: [1, 1, 2, 2] }, ones, half,
  { strides: [1, 1, 1, 1], padding: 'SAME', dataFormat: 'NCHW' });
let rejected = null;
try { await separableConv2d({ data: new Float32Array(4), shape: [1, 2, 2, 1] }, ones, half, { strides: 1, padding: 'VALID' }); }
catch (e) { rejected = e instanceof SeparableConv2dError && e.code; }
const layer = await createSeparableConv2d(ones, half, { strides: 1, padding: 'same' });
const xt = await createWasmTensor([1, 2, 2, 1], Float32Array.from([1, 2, 3, 4]));
const yt = layer.runSync(xt);
const resident = { isWasmTensor: yt instanceof WasmTensor, data: Array.from(yt.read()) };
[xt, yt, layer].forEach((o) => o.dispose());
console.log(JSON.stringify({ nhwc: Array.from(nhwc.data), nchw: Array.from(nchw.data), shape: nchw.shape, rejected,
  sameApi: api.separableConv2d === separableConv2d, backend: getBackendInfo(), resident }));
`);
  expect(out.nhwc).toEqual([5, 5, 5, 5]);
  expect(out.nchw).toEqual([5, 5, 5, 5]);
  expect(out.shape).toEqual([1, 1, 2, 2]);
  expect(out.rejected).toBe('BAD_OUTPUT_SIZE');
  expect(out.sameApi).toBe(true);
  expect(out.backend.variant).toEqual(expect.any(String));
  expect(out.resident).toEqual({ isWasmTensor: true, data: [5, 5, 5, 5] });
});

test('npx sepconv-wasm: --help, and a hand-checked case from .npy files', () => {
  const help = run('npx', ['sepconv-wasm', '--help']);
  expect(help.stdout).toMatch(/^Usage: sepconv-wasm INPUT\.npy DEPTHWISE\.npy POINTWISE\.npy/);
  expect(help.stdout).toContain('--padding');

  // The input as big-endian float64, as numpy.save writes np.arange(1, 10, dtype='>f8').
  let header = "{'descr': '>f8', 'fortran_order': False, 'shape': (1, 3, 3, 1), }";
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  const body = Buffer.alloc(72);
  for (let i = 0; i < 9; i++) body.writeDoubleBE(i + 1, i * 8);
  fs.writeFileSync(path.join(project, 'x.npy'), Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
  writeNpyFile('dw.npy', [1, 0, 0, 1], [2, 2, 1, 1]);
  writeNpyFile('pw.npy', [2, 0.5], [1, 1, 1, 2]);
  writeNpyFile('b.npy', [1, -1], [2]);

  const r = run('npx', ['sepconv-wasm', 'x.npy', 'dw.npy', 'pw.npy', '-o', 'y.npy', '--strides', '1', '--padding', 'VALID']);
  expect(r.stdout).toMatch(/^input\s+x\.npy\s+\[1,3,3,1\] float64/m);
  expect(r.stdout).toMatch(/^output\s+y\.npy\s+\[1,2,2,2\] float32$/m);
  expect(r.stdout).toMatch(/^backend\s+\S+, \d+ threads?, SIMD (on|off)$/m);
  const y = parseNpy(fs.readFileSync(path.join(project, 'y.npy')), 'y.npy');
  expect(y.shape).toEqual([1, 2, 2, 2]);
  expect(Array.from(y.data)).toEqual([12, 3, 16, 4, 24, 6, 28, 7]);

  run('npx', ['sepconv-wasm', 'x.npy', 'dw.npy', 'pw.npy', '-o', 'z.npy', '--strides', '1,1', '--padding', 'VALID',
    '--bias', 'b.npy', '--activation', 'relu6', '--threads', '1', '-q']);
  expect(Array.from(parseNpy(fs.readFileSync(path.join(project, 'z.npy')), 'z.npy').data)).toEqual([6, 2, 6, 3, 6, 5, 6, 6]);

  const bad = run('npx', ['sepconv-wasm', 'x.npy', 'dw.npy', 'pw.npy', '-o', 'w.npy', '--strides', '1'], { expectFailure: true });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/^sepconv-wasm: padding is required/m);
});

test('sepconv-wasm/npy: require() and import give the same functions', () => {
  const cjs = runScript('npy-check.cjs', `
const npy = require('sepconv-wasm/npy');
console.log(JSON.stringify({ resolved: require.resolve('sepconv-wasm/npy'), names: Object.keys(npy).sort() }));
`);
  const esm = runScript('npy-check.mjs', `
import * as npy from 'sepconv-wasm/npy';
import { createRequire } from 'module';
const cjs = createRequire(import.meta.url)('sepconv-wasm/npy');
console.log(JSON.stringify({ resolved: import.meta.resolve('sepconv-wasm/npy'), names: Object.keys(npy).sort(),
  same: Object.keys(cjs).every((name) => npy[name] === cjs[name] && npy.default[name] === cjs[name]) }));
`);
  const installed = path.join(fs.realpathSync(project), 'node_modules', 'sepconv-wasm', 'js');
  expect(cjs).toEqual({ resolved: path.join(installed, 'npy.js'), names: ['NpyError', 'encodeNpy', 'parseNpy', 'readNpy', 'writeNpy'] });
  expect(esm).toEqual({ resolved: `file://${path.join(installed, 'npy.mjs')}`, names: ['default', ...cjs.names].sort(), same: true });
});

// x = 1..9, the same hand-checked case as above, but in .npy files.
test('the README\'s Node.js examples run as written and print what their comments say', () => {
  const [script, npyScript] = readmeBlocks('Use from a Node.js script');
  fs.writeFileSync(path.join(project, 'sepconv.js'), script);
  const claim = /console\.log\(y\.shape, Array\.from\(y\.data\)\); *\/\/ (.*)$/m.exec(script)[1];
  const printed = run('node', ['sepconv.js']).stdout;
  expect(printed.replace(/\s+/g, ' ')).toContain(claim);

  // In a directory of its own: the other tests' x.npy and y.npy stay out of it.
  const dir = path.join(project, 'readme-npy');
  fs.mkdirSync(dir);
  writeNpyFile('readme-npy/x.npy', [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  writeNpyFile('readme-npy/dw.npy', [1, 0, 0, 1], [2, 2, 1, 1]);
  writeNpyFile('readme-npy/pw.npy', [2, 0.5], [1, 1, 1, 2]);
  fs.writeFileSync(path.join(dir, 'sepconv.mjs'), npyScript);
  run('node', ['sepconv.mjs'], { cwd: dir });
  const y = parseNpy(fs.readFileSync(path.join(dir, 'y.npy')), 'y.npy');
  expect(y.shape).toEqual([1, 2, 2, 2]);
  expect(Array.from(y.data)).toEqual([12, 3, 16, 4, 24, 6, 28, 7]);
});

describe('TypeScript', () => {
  const TSCONFIG = {
    compilerOptions: {
      strict: true, noEmit: true, target: 'es2022', lib: ['es2022'], module: 'nodenext', moduleResolution: 'nodenext',
      types: [], skipLibCheck: false, noUnusedLocals: false,
    },
  };
  const tsc = (config, files, compilerOptions = {}) => {
    const tsconfig = { compilerOptions: { ...TSCONFIG.compilerOptions, ...compilerOptions }, files };
    fs.writeFileSync(path.join(project, config), JSON.stringify(tsconfig, null, 2));
    return run('node', [TSC, '-p', config], { expectFailure: files.some((f) => f.startsWith('bad')) });
  };

  test('tsc --noEmit accepts the documented API, and catches the wrong uses marked @ts-expect-error', () => {
    fs.writeFileSync(path.join(project, 'usage.ts'), `
import {
  init, separableConv2d, separableConv2dSync, createSeparableConv2d, createWasmTensor, getBackendInfo, getMemoryInfo,
  dispose, SeparableConv2dError, SeparableConv2dLayer, WasmTensor, separableConv2dBackward, separableConv2dBackwardSync,
} from 'sepconv-wasm';
import type {
  Tensor4D, OutputTensor, SeparableConv2dOptions, SeparableConv2dErrorCode, BackendInfo, MemoryInfo, RunOptions,
  Gradients, GradientOutputs,
} from 'sepconv-wasm';

export async function main(): Promise<number> {
  await init({ threads: 2 });
  const x: Tensor4D = { data: new Float32Array(9), shape: [1, 3, 3, 1] };
  const dw: Tensor4D = { data: new Float64Array(4), shape: [2, 2, 1, 1] };
  const pw = { data: new Float32Array(2), shape: [1, 1, 1, 2] as [number, number, number, number] };
  const y: OutputTensor = await separableConv2d(x, dw, pw, { strides: [1, 1, 1, 1], padding: 'VALID' });
  const values: Float32Array = y.data;
  const options: SeparableConv2dOptions = {
    strides: 1, padding: [[0, 0], [1, 1], [1, 1], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1],
    bias: new Float32Array(2), activation: 'relu6', name: 'block1',
  };
  const layer: SeparableConv2dLayer = await createSeparableConv2d(dw, pw, options);
  const output = new Float32Array(2 * 4 * 4);
  const z: OutputTensor = await layer.run(x, { output });
  const zSync: OutputTensor = layer.runSync(x, { output });
  const xt: WasmTensor = await createWasmTensor([1, 3, 3, 1], x.data);
  const yt: WasmTensor = layer.runSync(xt);
  const yt2: WasmTensor = await layer.run(x, { output: yt });
  const back: Float32Array = yt2.read();
  const shape: [number, number, number, number] = yt.shape;
  // @ts-expect-error a WasmTensor input gives a WasmTensor, not {data, shape}
  const notArray: OutputTensor = layer.runSync(xt);
  // Options typed as the general RunOptions: either kind of result.
  const general: RunOptions = Math.random() < 0.5 ? { output } : { output: yt };
  const either: OutputTensor | WasmTensor = await layer.run(x, general);
  const dy: Tensor4D = { data: new Float32Array(32), shape: [1, 4, 4, 2] };
  const grads: Gradients = await layer.backward(x, dy, { gradients: ['x', 'pointwiseFilter', 'bias'] });
  const dBias: Float32Array | undefined = grads.dBias && grads.dBias.data;
  const into: GradientOutputs = { dx: xt, dPointwiseFilter: new Float32Array(2), dBias: new Float32Array(2) };
  const gradsInto: Gradients = layer.backwardSync(x, dy, { outputs: into });
  const dxInto: WasmTensor | undefined = gradsInto.dx instanceof WasmTensor ? gradsInto.dx : undefined;
  const oneShot: Gradients = await separableConv2dBackward(x, dw, pw, dy, { ...options, gradients: ['depthwiseFilter'] });
  separableConv2dBackwardSync(x, dw, pw, dy, { strides: 1, padding: 'SAME', outputs: { dDepthwiseFilter: new Float32Array(4) } });
  // @ts-expect-error dBias is 1-D: no WasmTensor
  layer.backwardSync(x, dy, { outputs: { dBias: xt } });
  // @ts-expect-error gradients are named as the arguments: 'x', 'depthwiseFilter', ...
  layer.backwardSync(x, dy, { gradients: ['dx'] });
  layer.setWeights(dw, pw, new Float64Array(2));
  // @ts-expect-error setWeights needs both filters
  layer.setWeights(dw);
  // @ts-expect-error a bias is a Float32Array or Float64Array
  layer.setWeights(dw, pw, [0, 0]);
  xt.dispose();
  yt.dispose();
  layer.dispose();
  const info: BackendInfo | null = getBackendInfo();
  const variant: string = info ? info.variant : 'none';
  const threads: number = info ? info.threads : 0;
  const memory: MemoryInfo | null = getMemoryInfo();
  const bytes: number = memory ? memory.wasmMemoryBytes + memory.heapBytesInUse : 0;
  let code: SeparableConv2dErrorCode | undefined;
  try {
    separableConv2dSync(x, dw, pw, { strides: [2, 2], padding: 'same', dataFormat: 'NCHW' });
  } catch (error) {
    if (error instanceof SeparableConv2dError) code = error.code;
  }
  if (code === 'BAD_SHAPE' || code === 'NOT_INITIALIZED') dispose();

  // Arrays declared on their own are number[] to TypeScript: accepted; the library checks them.
  const shape4 = [1, 3, 3, 1];
  const loose = { data: new Float32Array(9), shape: shape4 };
  const frozen = { data: new Float32Array(9), shape: Object.freeze([1, 3, 3, 1]) };
  const strides = [1, 1];
  const padding = [[0, 0], [1, 1], [1, 1], [0, 0]];
  await separableConv2d(loose, dw, pw, { strides, padding, dilations: strides });
  separableConv2dSync(frozen, dw, pw, { strides: 1, padding: 'SAME' });
  const fromShape: WasmTensor = await createWasmTensor(shape4);

  // @ts-expect-error padding must be SAME, VALID or explicit
  await separableConv2d(x, dw, pw, { strides: 1, padding: 'FULL' });
  // @ts-expect-error padding is required
  await separableConv2d(x, dw, pw, { strides: 1 });
  // @ts-expect-error the output must be a Float32Array
  layer.runSync(x, { output: new Float64Array(32) });
  // @ts-expect-error threads is a number
  await init({ threads: '2' });
  // @ts-expect-error plain arrays are not tensor data
  separableConv2dSync({ data: [1, 2], shape: [1, 1, 2, 1] }, dw, pw, { strides: 1, padding: 'SAME' });
  // @ts-expect-error no such error code
  if (code === 'NOPE') return -1;
  // @ts-expect-error integer typed arrays are not tensor data
  separableConv2dSync({ data: new Int32Array(9), shape: shape4 }, dw, pw, { strides: 1, padding: 'SAME' });
  // @ts-expect-error a shape is numbers
  separableConv2dSync({ data: new Float32Array(9), shape: ['1', '3', '3', '1'] }, dw, pw, { strides: 1, padding: 'SAME' });
  // @ts-expect-error strides are numbers
  await separableConv2d(x, dw, pw, { strides: ['1', '1'], padding: 'SAME' });
  // @ts-expect-error the options are required
  await separableConv2d(x, dw, pw);
  // @ts-expect-error the options are required
  await createSeparableConv2d(dw, pw);
  // @ts-expect-error no option 'activaton'
  await separableConv2d(x, dw, pw, { strides: 1, padding: 'SAME', activaton: 'relu' });
  // @ts-expect-error no init option 'thread'
  await init({ thread: 2 });
  // @ts-expect-error dataFormat is upper case
  await separableConv2d(x, dw, pw, { strides: 1, padding: 'SAME', dataFormat: 'nhwc' });

  return values.length + z.data.length + zSync.data.length + variant.length + threads + bytes + back.length + shape[0] +
    (notArray ? 1 : 0) + (either ? 1 : 0) + fromShape.size;
}
`);
    fs.writeFileSync(path.join(project, 'usage-esm.mts'), `
import { init, separableConv2d, getBackendInfo } from 'sepconv-wasm';
await init();
const y = await separableConv2d({ data: new Float32Array(4), shape: [1, 2, 2, 1] },
  { data: new Float32Array(1), shape: [1, 1, 1, 1] }, { data: new Float32Array(1), shape: [1, 1, 1, 1] },
  { strides: 1, padding: 'SAME' });
export const total: number = y.data.length + (getBackendInfo()?.threads ?? 0);
`);
    const r = tsc('tsconfig.json', ['usage.ts', 'usage-esm.mts']);
    expect(r.stdout).toBe('');
  });

  test('the README\'s examples type-check under strict as written', () => {
    // What the snippets take from Node.js (no @types/node here) and from the text around them.
    fs.writeFileSync(path.join(project, 'readme-globals.d.ts'), `
declare const console: { log(...values: unknown[]): void; error(...values: unknown[]): void };
declare const process: { exit(code?: number): never };
`);
    const [script, npyScript] = readmeBlocks('Use from a Node.js script');
    fs.writeFileSync(path.join(project, 'readme-script.cjs'), script);
    fs.writeFileSync(path.join(project, 'readme-npy.mts'), npyScript);
    fs.writeFileSync(path.join(project, 'readme-use.mts'), `
import { createSeparableConv2d, createWasmTensor } from 'sepconv-wasm';
import type { OutputTensor, SeparableConv2dLayer, Tensor4D } from 'sepconv-wasm';
declare const bias: Float32Array;
declare const frames: Tensor4D[];
declare function draw(image: OutputTensor): void;
declare const pixels: Float32Array;
declare const block1: SeparableConv2dLayer, block2: SeparableConv2dLayer;
${readmeBlocks('Use').join('\n')}`);
    const files = ['readme-globals.d.ts', 'readme-script.cjs', 'readme-npy.mts', 'readme-use.mts'];
    expect(tsc('tsconfig.readme.json', files, { allowJs: true, checkJs: true }).stdout).toBe('');
  });

  test('sepconv-wasm/npy has types, under nodenext, bundler and node10 resolution', () => {
    fs.writeFileSync(path.join(project, 'usage-npy.mts'), `
import { separableConv2d } from 'sepconv-wasm';
import { readNpy, writeNpy, parseNpy, encodeNpy, NpyError } from 'sepconv-wasm/npy';
import type { NpyArray } from 'sepconv-wasm/npy';
const a: NpyArray = readNpy('x.npy');
const b: NpyArray = parseNpy(new Uint8Array(0), 'b.npy');
const bytes: Uint8Array = encodeNpy(new Float32Array(1), [1]);
const y = await separableConv2d(a, b, a, { strides: 1, padding: 'VALID' });
writeNpy('y.npy', y);
export const isNpyError = (error: unknown): boolean => error instanceof NpyError && error.name === 'NpyError';
// @ts-expect-error writeNpy writes float32 only
writeNpy('y.npy', { data: new Float64Array(1), shape: [1] });
// @ts-expect-error readNpy takes a file name
readNpy(42);
// @ts-expect-error the shape is required
encodeNpy(new Float32Array(1));
export const total = bytes.length;
`);
    for (const [module, moduleResolution] of [['nodenext', 'nodenext'], ['esnext', 'bundler']]) {
      expect(tsc(`tsconfig.npy-${moduleResolution}.json`, ['usage-npy.mts'], { module, moduleResolution }).stdout).toBe('');
    }
    // node10 resolution ignores "exports": package.json's typesVersions points it at the types.
    fs.writeFileSync(path.join(project, 'usage-npy-node10.ts'), `import { readNpy, writeNpy } from 'sepconv-wasm/npy';
import type { NpyArray } from 'sepconv-wasm/npy';
const a: NpyArray = readNpy('x.npy');
writeNpy('y.npy', { data: new Float32Array(a.data), shape: a.shape });
`);
    expect(tsc('tsconfig.npy-node10.json', ['usage-npy-node10.ts'], { module: 'commonjs', moduleResolution: 'node10' }).stdout).toBe('');
  });

  test('tsc --noEmit rejects a wrong call: strides: \'x\'', () => {
    fs.writeFileSync(path.join(project, 'bad.ts'), `import { separableConv2d } from 'sepconv-wasm';
const t = { data: new Float32Array(1), shape: [1, 1, 1, 1] as [number, number, number, number] };
export const y = separableConv2d(t, t, t, { strides: 'x', padding: 'SAME' });
`);
    const r = tsc('tsconfig.bad.json', ['bad.ts']);
    const errors = r.stdout.split('\n').filter((line) => / error TS\d+:/.test(line));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^bad\.ts\(3,\d+\): error TS2322: Type 'string' is not assignable to type /);
  });
});
