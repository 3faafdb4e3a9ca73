'use strict';
// The packed package in a fresh project, through each bundler with its default configuration:
// the README's example (tests/bundlers/app) built and run, in Debian's Chromium for the browser
// builds (served with and without COOP/COEP: 'threaded-simd' and 'simd'), in Node.js for the
// Node.js bundles, and in Jest's jsdom environment. The bundlers come from the npm registry, at
// the versions below, into one project shared by every case. Needs the wasm built first.

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { startServer } = require('../browser/static_server');
const { launchChromium } = require('../browser/chromium');

const REPO = path.resolve(__dirname, '..', '..');
const DEV_DEPENDENCIES = {
  vite: '8.4.0',
  webpack: '5.113.0',
  'webpack-cli': '7.3.1',
  rollup: '4.68.8',
  '@rollup/plugin-node-resolve': '16.0.3',
  esbuild: '0.28.2',
  parcel: '2.16.4',
  jest: '30.5.2',
  'jest-environment-jsdom': '30.5.2',
};
const EXPECTED = { shape: [1, 2, 2, 2], data: [12, 3, 16, 4, 24, 6, 28, 7] };
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
// The policy the README promises to work under.
const STRICT_CSP = "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";

let tmp;
let project;
let chromium;
// The children's environment: without the variables of the Jest (and npm) running this file.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|JEST_|INIT_CWD$)/.test(key)));

function run(command, args, { timeout = 180000 } = {}) {
  const r = spawnSync(command, args, { cwd: project, env, encoding: 'utf8', timeout });
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${r.status}${r.error ? ` (${r.error.message})` : ''}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

const out = (...parts) => path.join(project, 'out', ...parts);

/** A page for a bundle that is one script: `<script src>`, as a module or classic. */
function writePage(dir, script, { module = true } = {}) {
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n'
    + `<script${module ? ' type="module"' : ''} src="${script}"></script>\n`);
}

/** Opens `url` in Chromium; resolves to { result, errors } once the page set its result. */
async function resultAt(url) {
  const page = await chromium.newPage();
  const errors = [];
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('response', (response) => { if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`); });
  try {
    await page.goto(url);
    await page.waitForFunction(() => globalThis.sepconvResult, null, { timeout: 30000 });
    return { result: await page.evaluate(() => globalThis.sepconvResult), errors };
  } catch (error) {
    throw new Error(`${url}: ${error.message}; console: ${JSON.stringify(errors)}`);
  } finally {
    await page.close();
  }
}

/** Serves `dir` (with COOP/COEP if isolated, and more headers) and opens its index.html. */
async function resultServed(dir, isolated, headers) {
  const server = await startServer(dir, { isolated, headers });
  try {
    return await resultAt(`${server.url}/index.html`);
  } finally {
    await server.close();
  }
}

function expectExample({ result, errors }, variant, allowedErrors = /^$/) {
  expect(result).toEqual({ ...EXPECTED, backend: expect.objectContaining({ variant, threads: variant === 'threaded-simd' ? expect.any(Number) : 1 }) });
  expect(errors.filter((text) => !allowedErrors.test(text))).toEqual([]);
}

/** The built page in both kinds of page: simd on a plain one, threaded-simd on an isolated one. */
async function expectBothPages(dir) {
  expectExample(await resultServed(dir, false), 'simd');
  expectExample(await resultServed(dir, true), 'threaded-simd');
}

/**
 * Both pages again under a strict Content-Security-Policy: the threaded build then comes from
 * the files the bundler emitted. Chromium reports the blob: scripts that the policy refuses.
 */
async function expectUnderStrictCsp(dir) {
  const refused = /^(Loading the script|Refused to create a worker from) 'blob:.*Content Security Policy/;
  const csp = { 'Content-Security-Policy': STRICT_CSP };
  expectExample(await resultServed(dir, false, csp), 'simd', refused);
  expectExample(await resultServed(dir, true, csp), 'threaded-simd', refused);
}

const freePort = () => new Promise((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sepconv-bundlers-'));
  const packed = JSON.parse(spawnSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: REPO, env, encoding: 'utf8' }).stdout);
  project = path.join(tmp, 'app');
  fs.cpSync(path.join(__dirname, 'app'), project, { recursive: true });
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({
    name: 'sepconv-bundlers-app',
    private: true,
    dependencies: { 'sepconv-wasm': `file:${path.join(tmp, packed[0].filename)}` },
    devDependencies: DEV_DEPENDENCIES,
  }, null, 2));
  run('npm', ['install', '--no-audit', '--no-fund'], { timeout: 600000 });
  chromium = await launchChromium();
}, 660000);

afterAll(async () => {
  if (chromium) await chromium.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('Vite: vite build, also under a strict Content-Security-Policy', async () => {
  run('npx', ['vite', 'build', '--outDir', out('vite')]);
  await expectBothPages(out('vite'));
  await expectUnderStrictCsp(out('vite'));
});

test.each([[false, 'simd'], [true, 'threaded-simd']])('Vite: the dev server (isolated: %p) serves the %s build', async (isolated, variant) => {
  // The page's own isolation headers are the only configuration, and only on the isolated page.
  const args = ['vite', '--port', String(await freePort()), '--strictPort', '--host', '127.0.0.1'];
  if (isolated) {
    fs.writeFileSync(path.join(project, 'vite.isolated.config.mjs'), `export default { server: { headers: ${JSON.stringify(ISOLATION)} } };\n`);
    args.push('--config', 'vite.isolated.config.mjs');
  }
  const server = spawn('npx', args, { cwd: project, env, detached: true });
  try {
    const url = await new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`vite did not start: ${output}`)), 60000);
      server.stdout.on('data', (chunk) => {
        output += chunk;
        const found = /Local:\s+(http:\S+)/.exec(output.replace(/\x1b\[[0-9;]*m/g, ''));
        if (found) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
    });
    expectExample(await resultAt(url), variant);
  } finally {
    process.kill(-server.pid);
  }
});

test('webpack 5: a production build, also under a strict Content-Security-Policy', async () => {
  run('npx', ['webpack', '--mode', 'production', '--output-path', out('webpack')]);
  writePage(out('webpack'), 'main.js', { module: false });
  await expectBothPages(out('webpack'));
  await expectUnderStrictCsp(out('webpack'));
});

test('Rollup with @rollup/plugin-node-resolve', async () => {
  run('npx', ['rollup', 'src/index.js', '--plugin', 'node-resolve', '--dir', out('rollup'), '--format', 'es']);
  writePage(out('rollup'), 'index.js');
  await expectBothPages(out('rollup'));
});

test('esbuild: a browser bundle', async () => {
  run('npx', ['esbuild', 'src/index.js', '--bundle', '--format=esm', `--outfile=${out('esbuild', 'main.js')}`]);
  writePage(out('esbuild'), 'main.js');
  await expectBothPages(out('esbuild'));
});

test.each([
  ['CommonJS', 'src/node.cjs', 'app.cjs', []],
  // An ES module bundle needs the usual banner that gives it a require() for Node.js's modules.
  ['an ES module', 'src/node.mjs', 'app.mjs',
    ['--format=esm', "--banner:js=import { createRequire } from 'module'; const require = createRequire(import.meta.url);"]],
])('esbuild: a Node.js bundle as %s runs the simd build it carries', (_, entry, file, flags) => {
  run('npx', ['esbuild', entry, '--bundle', '--platform=node', ...flags, `--outfile=${out('node', file)}`]);
  const result = JSON.parse(run('node', [out('node', file)]));
  expect(result).toEqual({ ...EXPECTED, backend: expect.objectContaining({ variant: 'simd', threads: 1 }) });
});

test('Parcel: parcel build', async () => {
  run('npx', ['parcel', 'build', 'index.html', '--dist-dir', out('parcel'), '--no-cache']);
  await expectBothPages(out('parcel'));
});

test('Jest with the jsdom environment', () => {
  const report = JSON.parse(run('npx', ['jest', '--ci', '--json', '--rootDir', 'jsdom', '--testEnvironment', 'jsdom']));
  expect({ passed: report.numPassedTests, failed: report.numFailedTests }).toEqual({ passed: 1, failed: 0 });
});
