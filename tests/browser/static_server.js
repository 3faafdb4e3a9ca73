'use strict';
// A static file server on 127.0.0.1 for browser tests, optionally cross-origin isolated
// (the COOP/COEP headers a page needs for SharedArrayBuffer and so wasm threads), optionally
// serving its files to pages of other origins (CORS, as a CDN would), optionally with more headers
// (a Content-Security-Policy).

const http = require('http');
const fs = require('fs');
const path = require('path');

const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png', '.css': 'text/css',
};

/**
 * Serves `root`; resolves to { url, close }. Port 0: the OS picks a free one.
 * `isolated`: COOP/COEP on every response. `crossOrigin`: CORS and CORP headers, so that pages
 * of another origin (isolated ones too) may fetch the files. `headers`: sent with every response.
 */
function startServer(root, { isolated, crossOrigin = false, headers: extra = {} }) {
  const server = http.createServer((request, response) => {
    const file = path.join(root, decodeURIComponent(new URL(request.url, 'http://x').pathname));
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      response.writeHead(404).end();
      return;
    }
    const headers = { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', ...extra };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    if (crossOrigin) {
      headers['Access-Control-Allow-Origin'] = '*';
      headers['Cross-Origin-Resource-Policy'] = 'cross-origin';
    }
    response.writeHead(200, headers);
    fs.createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

module.exports = { startServer };
