// Types for sepconv-wasm: TensorFlow's tf.nn.separable_conv2d in WebAssembly.
//
// Arguments that are arrays (shapes, strides, dilations, explicit padding) take any number[]:
// TypeScript widens `const x = { data, shape: [1, 4, 4, 2] }` to number[], and the library checks
// every rank and length when called (BAD_SHAPE, BAD_STRIDES, ...). Names (padding, dataFormat,
// activation, option keys) and data types are checked here.

/**
 * A dense float tensor: `data` in row-major order, `data.length` equal to the product of `shape`.
 * `shape` has 4 dimensions: [N,H,W,C] or [N,C,H,W] for an input, [KH,KW,C,M] and [1,1,C*M,O]
 * for the filters.
 */
export interface Tensor4D {
  data: Float32Array | Float64Array;
  shape: readonly number[];
}

/** A result: its own Float32Array (never a view of wasm memory). */
export interface OutputTensor {
  data: Float32Array;
  shape: [number, number, number, number];
}

/** Explicit padding, 4 pairs in the data format's order: NHWC [[0,0],[top,bottom],[left,right],[0,0]], NCHW [[0,0],[0,0],[top,bottom],[left,right]]. */
export type ExplicitPadding = readonly (readonly number[])[];

export interface SeparableConv2dOptions {
  /** Required. Depthwise strides: 4 values in the data format's order (NHWC [1,sh,sw,1], NCHW [1,1,sh,sw]), [sh, sw], or one number. */
  strides: number | readonly number[];
  /** Required. 'SAME' or 'VALID' (any letter case), or explicit padding. */
  padding: 'SAME' | 'VALID' | 'same' | 'valid' | ExplicitPadding;
  /** Layout of input and output; the filters never change layout. Default 'NHWC'. */
  dataFormat?: 'NHWC' | 'NCHW';
  /** Depthwise dilations [dh, dw] (two values in both formats) or one number. Default [1, 1]. A dilation > 1 requires strides of 1. */
  dilations?: number | readonly number[];
  /** Shown at the start of error messages, to tell layers apart. */
  name?: string;
  /** Added to each output channel after the pointwise sum (length O), as in Keras's SeparableConv2D. */
  bias?: Float32Array | Float64Array;
  /** Applied last, fused in the same pass: relu = max(x, 0), relu6 = min(max(x, 0), 6). NaN stays NaN. Default 'linear'. */
  activation?: 'linear' | 'relu' | 'relu6';
}

export type SeparableConv2dErrorCode =
  | 'BAD_OPTIONS' | 'BAD_TENSOR' | 'BAD_DTYPE' | 'BAD_SHAPE' | 'BAD_STRIDES' | 'BAD_DILATIONS'
  | 'BAD_PADDING' | 'BAD_DATA_FORMAT' | 'BAD_OUTPUT_SIZE' | 'TOO_LARGE' | 'NOT_BUILT' | 'NOT_INITIALIZED'
  | 'DISPOSED' | 'NOT_SUPPORTED';

/** Thrown for every invalid argument or unsatisfiable request; the module keeps working afterwards. */
export class SeparableConv2dError extends Error {
  readonly name: 'SeparableConv2dError';
  readonly code: SeparableConv2dErrorCode;
}

/** The three wasm builds, best first (see the README's "Builds"). */
export type Backend = 'threaded-simd' | 'simd' | 'baseline';

export interface InitOptions {
  /**
   * Threads used per call, the calling thread included. Default: the number of cores, at most 8,
   * on 'threaded-simd'; 1 on the others, which refuse more. Fixed until dispose().
   */
  threads?: number;
  /**
   * The build to load. Default: the best this environment runs ('threaded-simd' in Node.js and
   * cross-origin isolated pages, else 'simd' where WebAssembly SIMD works, else 'baseline'). A build
   * the environment cannot run is refused with NOT_SUPPORTED.
   */
  backend?: Backend;
  /**
   * Where the build's files are, for bundled apps: the URL (Node.js: also a directory path or
   * file: URL) of a directory holding them, or a map of file names ('sepconv-simd.wasm', ...)
   * to URLs. Relative URLs are relative to the page.
   * Default: dist/wasm/ of the package.
   */
  wasmPaths?: string | { [fileName: string]: string };
}

export interface BackendInfo {
  variant: Backend;
  threads: number;
  simd: boolean;
  crossOriginIsolated: boolean;
}

/** Loads the wasm module once. Optional: the first call loads it too; calls made before it resolves wait. */
export function init(options?: InitOptions): Promise<void>;

/**
 * tf.nn.separable_conv2d: a depthwise convolution ([KH,KW,C,M] filter) followed by a 1x1
 * pointwise convolution ([1,1,C*M,O] filter).
 * @param input [N,H,W,C] (NHWC) or [N,C,H,W] (NCHW)
 * @returns [N,OH,OW,O] (NHWC) or [N,O,OH,OW] (NCHW)
 */
export function separableConv2d(
  input: Tensor4D,
  depthwiseFilter: Tensor4D,
  pointwiseFilter: Tensor4D,
  options: SeparableConv2dOptions,
): Promise<OutputTensor>;

/**
 * The same computation, blocking; `await init()` first. For Node.js and workers: on a browser
 * page's main thread, which must never block, it throws NOT_SUPPORTED.
 */
export function separableConv2dSync(
  input: Tensor4D,
  depthwiseFilter: Tensor4D,
  pointwiseFilter: Tensor4D,
  options: SeparableConv2dOptions,
): OutputTensor;

/** The gradients a backward call can compute: with respect to the input, each filter and the bias. */
export type GradientName = 'x' | 'depthwiseFilter' | 'pointwiseFilter' | 'bias';

export interface BackwardOptions {
  /**
   * Which gradients to compute; default: all ('bias' only when there is a bias). An unknown name,
   * or 'bias' without a bias, is BAD_OPTIONS.
   */
  gradients?: readonly GradientName[];
  /**
   * Where to write gradients instead of new arrays, by the result's names (a training loop then
   * allocates nothing per step): a Float32Array of exactly the gradient's size, returned as its
   * `data`; or, for the 4-D gradients, a WasmTensor of exactly its shape, returned itself. Each
   * a different one, and none the call's input or dy WasmTensor (BAD_OPTIONS); a key for a
   * gradient not computed is BAD_OPTIONS, a wrong size or shape BAD_TENSOR.
   */
  outputs?: GradientOutputs;
}

export interface GradientOutputs {
  dx?: Float32Array | WasmTensor;
  dDepthwiseFilter?: Float32Array | WasmTensor;
  dPointwiseFilter?: Float32Array | WasmTensor;
  dBias?: Float32Array;
}

/**
 * The gradients of L = sum(dy * y) where y is the forward call's output: those asked for, each
 * its own Float32Array. dx has the input's shape, the filters' gradients their shapes
 * ([KH,KW,C,M] and [1,1,C*M,O]), dBias [O]. With relu and relu6 the gradient passes where the
 * output is above 0 (and below 6), as TensorFlow's ReluGrad and Relu6Grad. A gradient written
 * into a WasmTensor of `outputs` is that WasmTensor.
 */
export interface Gradients {
  dx?: { data: Float32Array; shape: [number, number, number, number] } | WasmTensor;
  dDepthwiseFilter?: { data: Float32Array; shape: [number, number, number, number] } | WasmTensor;
  dPointwiseFilter?: { data: Float32Array; shape: [number, number, number, number] } | WasmTensor;
  dBias?: { data: Float32Array; shape: [number] };
}

/**
 * The backward pass of tf.nn.separable_conv2d: the gradients with respect to the input, both
 * filters and the bias, for `dy` of the forward output's shape (BAD_SHAPE names it otherwise).
 * options: the forward call's, with `gradients` and `outputs`.
 */
export function separableConv2dBackward(
  input: Tensor4D,
  depthwiseFilter: Tensor4D,
  pointwiseFilter: Tensor4D,
  dy: Tensor4D,
  options: SeparableConv2dOptions & BackwardOptions,
): Promise<Gradients>;

/** The same, blocking; `await init()` first. Not on a browser page's main thread (NOT_SUPPORTED). */
export function separableConv2dBackwardSync(
  input: Tensor4D,
  depthwiseFilter: Tensor4D,
  pointwiseFilter: Tensor4D,
  dy: Tensor4D,
  options: SeparableConv2dOptions & BackwardOptions,
): Gradients;

/**
 * A float32 tensor in the wasm module's memory. A layer run on one reads it in place and leaves its result in another, so a chain of
 * layers copies nothing between JavaScript and wasm. Free it with dispose() (it is also freed
 * when garbage-collected); dispose() of the module invalidates it.
 */
export class WasmTensor {
  private constructor();
  /** In the layout of the layers it feeds: [N,H,W,C] (NHWC) or [N,C,H,W] (NCHW). */
  readonly shape: [number, number, number, number];
  /** The number of values: the product of the shape. */
  readonly size: number;
  /** Copies `size` values in; returns this tensor. */
  write(data: Float32Array | Float64Array): this;
  /** Copies the values out: into `output` (a Float32Array of `size`), else into a new array. */
  read(output?: Float32Array): Float32Array;
  /**
   * A Float32Array over the tensor's wasm memory, to fill or read it with no copy. Valid until
   * the next call into sepconv-wasm (which may grow the memory and detach it): take a new one then.
   */
  view(): Float32Array;
  /** Frees its wasm memory. Safe to call twice. */
  dispose(): void;
}

/**
 * A tensor in wasm memory of `shape` (the first dimension may be 0), filled from `data`
 * (`size` values) or with zeros.
 */
export function createWasmTensor(
  shape: readonly number[],
  data?: Float32Array | Float64Array,
): Promise<WasmTensor>;

export interface RunOptions {
  /**
   * A Float32Array of exactly the output's size to write the result into, returned as `data`.
   * It saves allocating (and garbage-collecting) a new array per call in a loop. Or a WasmTensor
   * of exactly the output's shape (not the input), returned itself.
   */
  output?: Float32Array | WasmTensor;
}

/** A separable convolution whose weights were packed once; runs on any input with C channels. */
export class SeparableConv2dLayer {
  private constructor();
  /**
   * Computes the layer on `input` ([N,H,W,C] or [N,C,H,W]). With a WasmTensor input or output
   * the result stays in wasm memory: that WasmTensor (a new one for a WasmTensor input without
   * `output`, which the caller disposes).
   */
  run(input: WasmTensor, options?: RunOptions): Promise<WasmTensor>;
  run(input: Tensor4D, options: RunOptions & { output: WasmTensor }): Promise<WasmTensor>;
  run(input: Tensor4D, options?: RunOptions & { output?: Float32Array }): Promise<OutputTensor>;
  run(input: Tensor4D | WasmTensor, options?: RunOptions): Promise<OutputTensor | WasmTensor>;
  /** The same, blocking. Not on a browser page's main thread (throws NOT_SUPPORTED): use run(). */
  runSync(input: WasmTensor, options?: RunOptions): WasmTensor;
  runSync(input: Tensor4D, options: RunOptions & { output: WasmTensor }): WasmTensor;
  runSync(input: Tensor4D, options?: RunOptions & { output?: Float32Array }): OutputTensor;
  runSync(input: Tensor4D | WasmTensor, options?: RunOptions): OutputTensor | WasmTensor;
  /**
   * The gradients of the layer's output for `input`, given dy (the forward output's shape; a
   * Tensor4D or a WasmTensor, as is input). The output is computed again where the activation's
   * gradient needs it.
   */
  backward(input: Tensor4D | WasmTensor, dy: Tensor4D | WasmTensor, options?: BackwardOptions): Promise<Gradients>;
  /** The same, blocking. Not on a browser page's main thread (throws NOT_SUPPORTED): use backward(). */
  backwardSync(input: Tensor4D | WasmTensor, dy: Tensor4D | WasmTensor, options?: BackwardOptions): Gradients;
  /**
   * Replaces the weights, for training loops: filters of exactly the layer's shapes, and a bias
   * (length O) if and only if the layer was created with one. Checked as createSeparableConv2d
   * checks them (BAD_SHAPE names the layer's shape), copied before it returns and repacked in
   * place; a call that throws changes nothing. On a browser page, calls already started compute
   * with the old weights and calls started afterwards with the new ones.
   */
  setWeights(depthwiseFilter: Tensor4D, pointwiseFilter: Tensor4D, bias?: Float32Array | Float64Array): void;
  /** Frees the packed weights (also done when the layer is garbage-collected). Safe to call twice. */
  dispose(): void;
}

/** Packs the filters (and bias) once, for repeated runs. */
export function createSeparableConv2d(
  depthwiseFilter: Tensor4D,
  pointwiseFilter: Tensor4D,
  options: SeparableConv2dOptions,
): Promise<SeparableConv2dLayer>;

export interface MemoryInfo {
  /** Size of the wasm memory; it grows up to 2 GiB and never shrinks. */
  wasmMemoryBytes: number;
  /** Bytes allocated now: between calls, a fixed baseline of the module's own plus undisposed layers' packed weights. */
  heapBytesInUse: number;
}

/** The wasm module's memory, to check for leaks; null before init(). */
export function getMemoryInfo(): MemoryInfo | null;

/** Which build runs and how; null before init(). */
export function getBackendInfo(): BackendInfo | null;

/**
 * Stops the worker threads and frees the module; a later call loads it again. Calls still
 * running (on a browser page's main thread) reject with DISPOSED.
 */
export function dispose(): void;
