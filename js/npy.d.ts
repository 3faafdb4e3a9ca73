// Types for sepconv-wasm/npy: NumPy .npy files in Node.js.

/** An array as numpy.save wrote it: `data` in C (row-major) order, any rank. */
export interface NpyArray {
  data: Float32Array | Float64Array;
  shape: number[];
}

/**
 * Reads a .npy file: float32 or float64, either byte order, C order (format versions 1.0 to 3.0).
 * Throws NpyError, naming the file, for anything else; fs's own errors when it cannot be read.
 */
export function readNpy(file: string): NpyArray;

/** Writes a float32 array (a separableConv2d result, say) byte for byte as numpy.save would. */
export function writeNpy(file: string, array: { data: Float32Array; shape: readonly number[] }): void;

/** readNpy on bytes already in memory; `name` starts every error message. */
export function parseNpy(bytes: Uint8Array | ArrayBuffer, name?: string): NpyArray;

/** writeNpy's bytes, without the file. */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array;

/** What is wrong with a .npy file's content: its message starts with the file's name. */
export class NpyError extends Error {
  readonly name: 'NpyError';
}
