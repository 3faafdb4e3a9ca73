// A Node.js script bundled as CommonJS: the README's example, its result as JSON.
const sepconv = require('sepconv-wasm');
const { example } = require('./example.js');

example(sepconv).then((result) => console.log(JSON.stringify(result)));
