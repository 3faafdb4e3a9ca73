// A bundled page: the README's example, its result on globalThis for the test to read.
import * as sepconv from 'sepconv-wasm';
import { example } from './example.js';

example(sepconv).then((result) => { globalThis.sepconvResult = result; });
