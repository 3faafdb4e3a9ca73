// A Node.js script bundled as an ES module: the README's example, its result as JSON.
import * as sepconv from 'sepconv-wasm';
import { example } from './example.js';

console.log(JSON.stringify(await example(sepconv)));
