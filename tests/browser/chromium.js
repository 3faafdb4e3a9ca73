'use strict';
// Debian's Chromium driven by playwright-core (no browser downloads work here). Playwright
// gives each launch a fresh temporary profile; the flags keep Chromium from trying network
// connections this machine refuses.

const { chromium } = require('playwright-core');

function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

module.exports = { launchChromium };
