// Linked into the threaded build's glue with --post-js (CMakeLists.txt): it runs inside
// Emscripten's factory, where PThread is in scope, before the module starts. Emscripten 3.1.6
// walks two of PThread's collections with for-in, which also visits any enumerable property a
// page or script added to Object.prototype (or Array.prototype): threadInit() called such a
// property as a function while the module started, killing a Node.js process, and
// terminateAllThreads() took it for a thread. Later Emscripten versions walk own entries only;
// so do these.
PThread.threadInit = function () {
  for (var i = 0; i < PThread.tlsInitFunctions.length; ++i) PThread.tlsInitFunctions[i]();
};
// Keyed by thread address; without a prototype, for-in sees the threads and nothing else.
PThread.pthreads = Object.create(null);
