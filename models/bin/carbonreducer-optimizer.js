#!/usr/bin/env node
// The optimizer's CLI (`@carbonreducer/optimizer`), given this package's champion intensity model for
// `evaluate --forecast model`: the library loads no models itself.
require('tsx/cjs');
require('../src/cli/optimizer.ts');
