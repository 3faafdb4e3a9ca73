#!/usr/bin/env node
'use strict';
// The demo's web server: plain Node.js http, no framework. It serves demo/ and dist/ with the
// cross-origin isolation headers (COOP/COEP) that wasm threads need in a browser.
//
//   node demo/server.js          port $PORT, else 8080; a free port if that one is taken
//   HOST=0.0.0.0 node demo/server.js   to reach it from another machine (default 127.0.0.1)
//
// Routes: /  -> demo/index.html;  /demo/*  -> demo/*;  /dist/*  -> dist/*  (the built package,
// imported by the page exactly as a user would: /dist/web/sepconv-wasm.mjs);  and, for the
// benchmark's comparison, TensorFlow.js's browser builds at their node_modules paths (only those
// files, 404 when node_modules is absent).

const http = require('http');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const MOUNTS = { '/demo/': path.join(ROOT, 'demo'), '/dist/': path.join(ROOT, 'dist') };
const BUNDLE = path.join(ROOT, 'dist', 'web', 'sepconv-wasm.mjs');
const TFJS_WASM_DIST = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';
const TFJS_FILES = new Set([
  '/node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js',
  ...['tf-backend-wasm.min.js', 'tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']
    .map((name) => TFJS_WASM_DIST + name),
]);

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.map': 'application/json',
};

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Maps a URL path to a file under one of the mounts, or null (also for any '..' escape). */
function resolveFile(urlPath) {
  if (urlPath === '/' || urlPath === '/index.html') return path.join(ROOT, 'demo', 'index.html');
  if (TFJS_FILES.has(urlPath)) return path.join(ROOT, urlPath);
  for (const [prefix, dir] of Object.entries(MOUNTS)) {
    if (!urlPath.startsWith(prefix)) continue;
    const file = path.resolve(dir, `.${urlPath.slice(prefix.length - 1)}`);
    return file.startsWith(dir + path.sep) ? file : null;
  }
  return null;
}

function handle(request, response) {
  let urlPath;
  try {
    urlPath = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
  } catch {
    response.writeHead(400, ISOLATION_HEADERS).end('bad request');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...ISOLATION_HEADERS, Allow: 'GET, HEAD' }).end();
    return;
  }
  const file = resolveFile(urlPath);
  fs.stat(file || '', (error, stats) => {
    if (error || !stats.isFile()) {
      const hint = urlPath.startsWith('/dist/') ? ' (run `bash scripts/build.sh` first)'
        : TFJS_FILES.has(urlPath) ? ' (TensorFlow.js is a devDependency: `npm ci` installs it)' : '';
      response.writeHead(404, { ...ISOLATION_HEADERS, 'Content-Type': 'text/plain' }).end(`not found: ${urlPath}${hint}\n`);
      return;
    }
    response.writeHead(200, {
      ...ISOLATION_HEADERS,
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Content-Length': stats.size,
      'Cache-Control': 'no-cache',
    });
    if (request.method === 'HEAD') response.end();
    else fs.createReadStream(file).pipe(response);
  });
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (error) => { server.off('listening', onListening); reject(error); };
    const onListening = () => { server.off('error', onError); resolve(server.address().port); };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Starts the server; resolves to { url, port, close }. `port` 0 picks a free port; a taken port
 * falls back to a free one unless `strictPort`.
 */
async function startDemoServer({ port = 8080, host = '127.0.0.1', strictPort = false } = {}) {
  const server = http.createServer(handle);
  let actual;
  try {
    actual = await listen(server, port, host);
  } catch (error) {
    if (error.code !== 'EADDRINUSE' || strictPort || port === 0) throw error;
    actual = await listen(server, 0, host);
  }
  const shownHost = host === '127.0.0.1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    port: actual,
    url: `http://${shownHost}:${actual}/`,
    fellBack: actual !== port && port !== 0,
    close: () => new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections?.();
    }),
  };
}

async function main() {
  const requested = process.env.PORT ? Number(process.env.PORT) : 8080;
  if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
    console.error(`PORT must be an integer from 0 to 65535; got ${process.env.PORT}`);
    process.exit(2);
  }
  if (!fs.existsSync(BUNDLE)) {
    console.warn(`warning: ${path.relative(ROOT, BUNDLE)} is missing; build it with \`bash scripts/build.sh\` (npm start does).`);
  }
  const server = await startDemoServer({ port: requested, host: process.env.HOST || '127.0.0.1' });
  if (server.fellBack) console.log(`port ${requested} is in use; using ${server.port} instead`);
  console.log(`sepconv-wasm demo: ${server.url}   (Ctrl-C to stop)`);
  const stop = () => { server.close().then(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error.message || error);
    process.exit(1);
  });
}

module.exports = { startDemoServer };
