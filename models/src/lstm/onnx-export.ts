import { onnx } from 'onnx-proto';
import type { LstmParams } from './params';
import { FEATURES_PER_STEP, TIME_FEATURES_PER_STEP } from './windows';

/** Graph input names: the raw gap-filled window [batch, windowSteps] in gCO2/kWh and its time features [batch, windowSteps, 4]. */
export const ONNX_INPUTS = { window: 'window_g_per_kwh', timeFeatures: 'time_features' } as const;
/** Graph outputs, each [batch, horizons] in gCO2/kWh. */
export const ONNX_OUTPUTS = {
  mean: 'mean_g_per_kwh',
  lower80: 'lower80_g_per_kwh',
  upper80: 'upper80_g_per_kwh',
} as const;

const OPSET = 17;
const IR_VERSION = 8;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** tfjs packs gates i, f, c, o; ONNX wants i, o, f, c. Entry g: the tfjs block that goes to ONNX block g. */
const ONNX_GATE_FROM_TFJS = [0, 3, 1, 2];

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): onnx.ITensorProto {
  const data = Float32Array.from(values);
  if (data.length !== dims.reduce((a, b) => a * b, 1)) {
    throw new Error(`ONNX export: ${name} has ${data.length} values for dims [${dims.join(', ')}]`);
  }
  // raw_data is little-endian; Float32Array uses the host order, which is little-endian on every target we run.
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function int64Tensor(name: string, values: number[]): onnx.ITensorProto {
  return { name, dims: [values.length], dataType: INT64, int64Data: values };
}

/**
 * Rearranges a tfjs kernel [rows, 4·units] (gate blocks i, f, c, o along columns) into ONNX's [4·units, rows]
 * (gate blocks i, o, f, c along rows).
 */
export function tfjsKernelToOnnx(kernel: Float32Array, rows: number, units: number): Float32Array {
  const out = new Float32Array(4 * units * rows);
  for (let g = 0; g < 4; g++) {
    const src = ONNX_GATE_FROM_TFJS[g] as number;
    for (let u = 0; u < units; u++) {
      for (let r = 0; r < rows; r++) {
        out[(g * units + u) * rows + r] = kernel[r * 4 * units + src * units + u] as number;
      }
    }
  }
  return out;
}

/** ONNX B = [Wb, Rb]: tfjs has one bias, which goes to Wb (reordered); Rb is zero. */
export function tfjsBiasToOnnx(bias: Float32Array, units: number): Float32Array {
  const out = new Float32Array(8 * units);
  for (let g = 0; g < 4; g++) {
    const src = ONNX_GATE_FROM_TFJS[g] as number;
    for (let u = 0; u < units; u++) out[g * units + u] = bias[src * units + u] as number;
  }
  return out;
}

function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attribute: onnx.IAttributeProto[] = [],
): onnx.INodeProto {
  return {
    opType,
    input: inputs,
    output: outputs,
    name: `${opType}_${outputs.find((o) => o !== '') ?? ''}`,
    attribute,
  };
}

function valueInfo(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * The ONNX model of a trained LSTM, normalisation and interval offsets included:
 * (window − mean) / std ⊕ time features → LSTM → last hidden state → MatMul + Add → × deltaScale + last window value,
 * then + residual quantiles for the 80 % interval.
 */
export function exportLstmOnnx(p: LstmParams): Uint8Array {
  const u = p.units;
  const w = p.windowSteps;
  const k = p.horizonsSteps.length;
  const { window, timeFeatures } = ONNX_INPUTS;
  const initializer: onnx.ITensorProto[] = [
    floatTensor('norm_mean', [], [p.meanGPerKWh]),
    floatTensor('norm_std', [], [p.stdGPerKWh]),
    floatTensor('lstm_W', [1, 4 * u, FEATURES_PER_STEP], tfjsKernelToOnnx(p.lstmKernel, FEATURES_PER_STEP, u)),
    floatTensor('lstm_R', [1, 4 * u, u], tfjsKernelToOnnx(p.lstmRecurrentKernel, u, u)),
    floatTensor('lstm_B', [1, 8 * u], tfjsBiasToOnnx(p.lstmBias, u)),
    floatTensor('dense_kernel', [u, k], p.denseKernel),
    floatTensor('dense_bias', [k], p.denseBias),
    floatTensor('delta_scale', [k], p.deltaScaleGPerKWh),
    floatTensor('residual_q10', [k], p.residualQ10GPerKWh),
    floatTensor('residual_q90', [k], p.residualQ90GPerKWh),
    int64Tensor('axes_2', [2]),
    int64Tensor('axes_0', [0]),
    int64Tensor('axes_1', [1]),
    int64Tensor('last_start', [w - 1]),
    int64Tensor('last_end', [w]),
  ];
  const nodes: onnx.INodeProto[] = [
    node('Sub', [window, 'norm_mean'], ['centred']),
    node('Div', ['centred', 'norm_std'], ['normalised']),
    node('Unsqueeze', ['normalised', 'axes_2'], ['normalised_3d']),
    node(
      'Concat',
      ['normalised_3d', timeFeatures],
      ['features'],
      [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 2 }],
    ),
    // ONNX LSTM's default layout is [seq, batch, features].
    node(
      'Transpose',
      ['features'],
      ['features_seq_first'],
      [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 0, 2] }],
    ),
    node(
      'LSTM',
      ['features_seq_first', 'lstm_W', 'lstm_R', 'lstm_B'],
      ['', 'lstm_h_last'],
      [{ name: 'hidden_size', type: onnx.AttributeProto.AttributeType.INT, i: u }],
    ),
    node('Squeeze', ['lstm_h_last', 'axes_0'], ['hidden']),
    node('MatMul', ['hidden', 'dense_kernel'], ['dense_product']),
    node('Add', ['dense_product', 'dense_bias'], ['scaled_delta']),
    node('Mul', ['scaled_delta', 'delta_scale'], ['delta_g_per_kwh']),
    node('Slice', [window, 'last_start', 'last_end', 'axes_1'], ['last_value']),
    node('Add', ['delta_g_per_kwh', 'last_value'], [ONNX_OUTPUTS.mean]),
    node('Add', [ONNX_OUTPUTS.mean, 'residual_q10'], [ONNX_OUTPUTS.lower80]),
    node('Add', [ONNX_OUTPUTS.mean, 'residual_q90'], [ONNX_OUTPUTS.upper80]),
  ];
  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'carbonreducer-models',
    producerVersion: '1',
    docString:
      'CarbonReducer carbon-intensity LSTM: raw gCO2/kWh window + time features → forecasts per horizon with 80 % interval.',
    metadataProps: [
      {
        key: 'carbonreducer.lstm',
        value: JSON.stringify({
          windowSteps: w,
          stepMin: p.stepMin,
          horizonsSteps: p.horizonsSteps,
          maxGapSteps: p.maxGapSteps,
        }),
      },
    ],
    graph: {
      name: 'carbon_intensity_lstm',
      node: nodes,
      initializer,
      input: [valueInfo(window, ['batch', w]), valueInfo(timeFeatures, ['batch', w, TIME_FEATURES_PER_STEP])],
      output: [
        valueInfo(ONNX_OUTPUTS.mean, ['batch', k]),
        valueInfo(ONNX_OUTPUTS.lower80, ['batch', k]),
        valueInfo(ONNX_OUTPUTS.upper80, ['batch', k]),
      ],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** The LSTM metadata stored in an exported model's metadata_props, if any. */
export function readOnnxLstmMeta(bytes: Uint8Array): unknown {
  const model = onnx.ModelProto.decode(bytes);
  const entry = model.metadataProps.find((e) => e.key === 'carbonreducer.lstm');
  return entry?.value ? (JSON.parse(entry.value) as unknown) : undefined;
}
