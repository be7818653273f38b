// Jest runs tests in a separate vm realm; onnxruntime-node builds output tensors with the host realm's typed-array
// constructors, which then fail `instanceof` checks inside the test realm. Sharing the host constructors fixes that.
const { TestEnvironment } = require('jest-environment-node');

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of [
      'Float32Array',
      'Float64Array',
      'Int8Array',
      'Uint8Array',
      'Int16Array',
      'Uint16Array',
      'Int32Array',
      'Uint32Array',
      'BigInt64Array',
      'BigUint64Array',
      'ArrayBuffer',
    ]) {
      this.global[name] = globalThis[name];
    }
  }
}

module.exports = OrtEnvironment;
