'use strict';
// The test page (tests/browser/page.html) opened in a Chromium launched by chromium.js, served by
// static_server.js with or without cross-origin isolation, collecting what the page reports as
// errors (console errors, uncaught exceptions, responses of 400 and above).

const path = require('path');
const { startServer } = require('./static_server');

const ROOT = path.resolve(__dirname, '..', '..');

/** Opens the page; resolves to { page, server, consoleErrors, close }. */
async function openPage(chromium, isolated, headers) {
  const server = await startServer(ROOT, { isolated, headers });
  const page = await chromium.newPage();
  const consoleErrors = [];
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('response', (response) => { if (response.status() >= 400) consoleErrors.push(`${response.status()} ${response.url()}`); });
  await page.goto(`${server.url}/tests/browser/page.html`);
  await page.waitForFunction(() => window.ready === true);
  return { page, server, consoleErrors, close: async () => { await page.close(); await server.close(); } };
}

/** fn(opened page), then the page and its server closed whatever happened. */
async function withPage(chromium, isolated, fn, headers) {
  const opened = await openPage(chromium, isolated, headers);
  try {
    await fn(opened);
  } finally {
    await opened.close();
  }
}

module.exports = { openPage, withPage };
