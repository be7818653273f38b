export { mulberry32 } from '@carbonreducer/common';
