'use strict';
// demo/server.js: the COOP/COEP headers, what it serves (TensorFlow.js's builds for the benchmark
// included) and refuses, the fallback to a free port.

const http = require('http');
const { startDemoServer } = require('../../demo/server');

/** A raw GET (no URL normalisation, so '..' reaches the server as sent). */
function get(port, path, method = 'GET') {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method }, (response) => {
      let body = '';
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

let server;
beforeAll(async () => { server = await startDemoServer({ port: 0 }); });
afterAll(async () => { await server.close(); });

test('serves the page, the demo files and the built bundle with cross-origin isolation headers', async () => {
  expect(server.url).toBe(`http://localhost:${server.port}/`);
  for (const [path, type] of [['/', 'text/html'], ['/demo/app.mjs', 'text/javascript'], ['/demo/style.css', 'text/css'],
    ['/dist/web/sepconv-wasm.mjs', 'text/javascript'], ['/dist/wasm/sepconv-threaded-simd.wasm', 'application/wasm']]) {
    const response = await get(server.port, path);
    expect([path, response.status]).toEqual([path, 200]);
    expect(response.headers['content-type']).toContain(type);
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(response.headers['cross-origin-embedder-policy']).toBe('require-corp');
  }
});

test('serves TensorFlow.js\'s browser builds from node_modules, those files only', async () => {
  const tfjs = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';
  const wasm = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
  for (const [path, type] of [['/node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js', 'text/javascript'],
    [`${tfjs}tf-backend-wasm.min.js`, 'text/javascript'], ...wasm.map((name) => [tfjs + name, 'application/wasm'])]) {
    const response = await get(server.port, path, 'HEAD');
    expect([path, response.status]).toEqual([path, 200]);
    expect(response.headers['content-type']).toContain(type);
    expect(response.headers['cross-origin-embedder-policy']).toBe('require-corp');
  }
  for (const path of ['/node_modules/@tensorflow/tfjs-core/package.json', `${tfjs}tf-backend-wasm.js`,
    '/node_modules/@tensorflow/tfjs-core/dist/../package.json', '/node_modules/jest/package.json']) {
    expect([path, (await get(server.port, path)).status]).toEqual([path, 404]);
  }
});

test('serves nothing else outside demo/ and dist/, and only GET and HEAD', async () => {
  for (const path of ['/package.json', '/demo/../package.json', '/dist/%2e%2e/package.json', '/dist/..%2fpackage.json',
    '/demo/missing.js', '/demo/', '/%E0%A4%A']) {
    const response = await get(server.port, path);
    expect([path, response.status]).toEqual([path, response.status === 400 ? 400 : 404]);
    expect(response.headers['cross-origin-embedder-policy']).toBe('require-corp');
  }
  expect((await get(server.port, '/', 'POST')).status).toBe(405);
  const head = await get(server.port, '/demo/app.mjs', 'HEAD');
  expect(head.status).toBe(200);
  expect(head.body).toBe('');
});

test('a taken port falls back to a free one, unless strictPort', async () => {
  const second = await startDemoServer({ port: server.port });
  try {
    expect(second.fellBack).toBe(true);
    expect(second.port).not.toBe(server.port);
    expect((await get(second.port, '/')).status).toBe(200);
  } finally {
    await second.close();
  }
  await expect(startDemoServer({ port: server.port, strictPort: true })).rejects.toMatchObject({ code: 'EADDRINUSE' });
});
