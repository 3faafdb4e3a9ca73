'use strict';

// The Node.js entry point (CommonJS; index.mjs re-exports it for ES modules).

const { createApi } = require('./api');
const { loadModule, defaultThreads } = require('./load_module_node');

module.exports = createApi(loadModule, defaultThreads);
