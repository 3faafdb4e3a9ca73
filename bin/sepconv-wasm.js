#!/usr/bin/env node
'use strict';

// `npx sepconv-wasm --help`: tf.nn.separable_conv2d on NumPy .npy files. The work is in cli.js.

// Writing to a closed pipe (`sepconv-wasm ... | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
});

require('./cli').main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
