import type { DirectModel, DirectModelMeta, GbmModel, Tree } from '@carbonreducer/forecast';
import { onnx } from 'onnx-proto';

/** Name of the output holding horizon `i`'s raw value ([N, 1]); `raw` ([N, horizons]) concatenates them all. */
export function horizonOutputName(i: number): string {
  return `raw_h${i}`;
}

/**
 * Encodes a direct multi-horizon model as ONNX-ML `TreeEnsembleRegressor` nodes (opset ai.onnx.ml 3), one per
 * horizon with its own output `raw_h<i>`, concatenated into `raw` (one column per horizon), so each horizon's trees
 * can be served on their own (`perHorizonOnnx`). Input `features` is double
 * [N, F] and thresholds and leaf weights are stored as double tensors, so splits compare exactly as in TypeScript;
 * only the outputs are float32 (ONNX fixes Y to float). Row i of the input must be built for the horizon read.
 */
export function directModelToOnnx(model: DirectModel, docString = ''): Uint8Array {
  if (model.models.length === 0) throw new Error('directModelToOnnx: the model has no horizons');
  const enc = new TextEncoder();
  const A = onnx.AttributeProto.AttributeType;
  const ints = (name: string, v: number[]): onnx.IAttributeProto => ({ name, type: A.INTS, ints: v });
  const dbl = (name: string, v: number[]): onnx.IAttributeProto => ({
    name,
    type: A.TENSOR,
    t: { dims: [v.length], dataType: onnx.TensorProto.DataType.DOUBLE, doubleData: v },
  });
  const str = (name: string, v: string): onnx.IAttributeProto => ({ name, type: A.STRING, s: enc.encode(v) });
  const nodes = model.models.map((gbm, h) => horizonNode(gbm, h, model.featureNames.length, { ints, dbl, str }));
  const nTargets = model.models.length;
  const dim = (v: number | string): onnx.TensorShapeProto.IDimension =>
    typeof v === 'number' ? { dimValue: v } : { dimParam: v };
  const floatOutput = (name: string, cols: number): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [dim('N'), dim(cols)] } } },
  });
  const concat: onnx.INodeProto = {
    opType: 'Concat',
    domain: '',
    name: 'all_horizons',
    input: model.models.map((_, h) => horizonOutputName(h)),
    output: ['raw'],
    attribute: [{ name: 'axis', type: A.INT, i: 1 }],
  };
  const model_: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'carbonreducer-models',
    producerVersion: '0.1.0',
    docString,
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    metadataProps: [
      { key: 'kind', value: model.kind },
      { key: 'step_ms', value: String(model.stepMs) },
      { key: 'steps_ahead', value: model.stepsAhead.join(',') },
      { key: 'feature_names', value: model.featureNames.join(',') },
    ],
    graph: {
      name: `${model.kind}_direct_gbm`,
      node: [...nodes, concat],
      input: [
        {
          name: 'features',
          type: {
            tensorType: {
              elemType: onnx.TensorProto.DataType.DOUBLE,
              shape: { dim: [dim('N'), dim(model.featureNames.length)] },
            },
          },
        },
      ],
      output: [floatOutput('raw', nTargets), ...model.models.map((_, h) => floatOutput(horizonOutputName(h), 1))],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model_)).finish();
}

interface AttributeMakers {
  ints(name: string, v: number[]): onnx.IAttributeProto;
  dbl(name: string, v: number[]): onnx.IAttributeProto;
  str(name: string, v: string): onnx.IAttributeProto;
}

/** One horizon's trees as a single-target `TreeEnsembleRegressor` writing `raw_h<h>`. */
function horizonNode(gbm: GbmModel, h: number, numFeatures: number, a: AttributeMakers): onnx.INodeProto {
  if (gbm.numFeatures !== numFeatures) throw new Error('directModelToOnnx: feature count mismatch');
  const enc = new TextEncoder();
  const LEAF = enc.encode('LEAF');
  const LEQ = enc.encode('BRANCH_LEQ');
  const nodesTree: number[] = [];
  const nodesId: number[] = [];
  const nodesFeature: number[] = [];
  const nodesValue: number[] = [];
  const nodesMode: Uint8Array[] = [];
  const nodesTrue: number[] = [];
  const nodesFalse: number[] = [];
  const tTree: number[] = [];
  const tNode: number[] = [];
  const tWeight: number[] = [];
  // A horizon without trees (never produced by trainGbm, but legal) predicts its base score: one zero leaf.
  const trees =
    gbm.trees.length > 0 ? gbm.trees : [{ feature: [-1], threshold: [0], left: [0], right: [0], value: [0] }];
  trees.forEach((tree, treeId) => {
    for (let n = 0; n < tree.feature.length; n++) {
      const f = tree.feature[n] as number;
      nodesTree.push(treeId);
      nodesId.push(n);
      if (f < 0) {
        nodesFeature.push(0);
        nodesValue.push(0);
        nodesMode.push(LEAF);
        nodesTrue.push(0);
        nodesFalse.push(0);
        tTree.push(treeId);
        tNode.push(n);
        tWeight.push(tree.value[n] as number);
      } else {
        nodesFeature.push(f);
        nodesValue.push(tree.threshold[n] as number);
        nodesMode.push(LEQ);
        nodesTrue.push(tree.left[n] as number);
        nodesFalse.push(tree.right[n] as number);
      }
    }
  });
  return {
    opType: 'TreeEnsembleRegressor',
    domain: 'ai.onnx.ml',
    name: `gbm_h${h}`,
    input: ['features'],
    output: [horizonOutputName(h)],
    attribute: [
      a.ints('nodes_treeids', nodesTree),
      a.ints('nodes_nodeids', nodesId),
      a.ints('nodes_featureids', nodesFeature),
      a.dbl('nodes_values_as_tensor', nodesValue),
      { name: 'nodes_modes', type: onnx.AttributeProto.AttributeType.STRINGS, strings: nodesMode },
      a.ints('nodes_truenodeids', nodesTrue),
      a.ints('nodes_falsenodeids', nodesFalse),
      a.ints('target_treeids', tTree),
      a.ints('target_nodeids', tNode),
      a.ints(
        'target_ids',
        tTree.map(() => 0),
      ),
      a.dbl('target_weights_as_tensor', tWeight),
      a.dbl('base_values_as_tensor', [gbm.baseScore]),
      { name: 'n_targets', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
      a.str('aggregate_function', 'SUM'),
      a.str('post_transform', 'NONE'),
    ],
  };
}

/**
 * The trees of an exported direct model, one GbmModel per horizon, read back from the ONNX bytes. Reads both layouts:
 * per-horizon nodes writing `raw_h<i>` (current) and one node writing every horizon into `raw` by target id (models
 * exported before). Thresholds and weights come back bit for bit (they are stored as doubles).
 */
export function treesFromOnnx(bytes: Uint8Array, model: DirectModelMeta): GbmModel[] {
  const H = model.stepsAhead.length;
  const cols = model.featureNames.length;
  const out: GbmModel[] = model.stepsAhead.map(() => ({
    numFeatures: cols,
    baseScore: 0,
    trees: [],
    validationCurve: [],
  }));
  const nodes = (onnx.ModelProto.decode(bytes).graph?.node ?? []).filter((n) => n.opType === 'TreeEnsembleRegressor');
  if (nodes.length === 0) throw new Error('treesFromOnnx: the ONNX model has no TreeEnsembleRegressor');
  const dec = new TextDecoder();
  for (const node of nodes) {
    const output = node.output?.[0] ?? '';
    const own = /^raw_h(\d+)$/.exec(output);
    // Horizon of a target id: the node's own horizon, or the target id itself in the single-`raw` layout.
    const horizonOf = (target: number): number => (own ? Number(own[1]) : target);
    if (!own && output !== 'raw') throw new Error(`treesFromOnnx: unexpected tree output ${output}`);
    const attr = (name: string): onnx.IAttributeProto | undefined => node.attribute?.find((a) => a.name === name);
    const ints = (name: string): number[] => (attr(name)?.ints ?? []).map(Number);
    const dbls = (name: string): number[] => attr(name)?.t?.doubleData ?? [];
    const treeIds = ints('nodes_treeids');
    const nodeIds = ints('nodes_nodeids');
    const feats = ints('nodes_featureids');
    const values = dbls('nodes_values_as_tensor');
    const modes = (attr('nodes_modes')?.strings ?? []).map((s) => dec.decode(s));
    const trues = ints('nodes_truenodeids');
    const falses = ints('nodes_falsenodeids');
    if (values.length !== treeIds.length) throw new Error('treesFromOnnx: thresholds are not stored as doubles');
    const trees = new Map<number, Tree>();
    treeIds.forEach((t, i) => {
      let tree = trees.get(t);
      if (!tree) trees.set(t, (tree = { feature: [], threshold: [], left: [], right: [], value: [] }));
      const n = nodeIds[i] as number;
      const leaf = modes[i] === 'LEAF';
      tree.feature[n] = leaf ? -1 : (feats[i] as number);
      tree.threshold[n] = leaf ? 0 : (values[i] as number);
      tree.left[n] = trues[i] as number;
      tree.right[n] = falses[i] as number;
      tree.value[n] = 0;
    });
    const targetOfTree = new Map<number, number>();
    const tTree = ints('target_treeids');
    const tNode = ints('target_nodeids');
    const tTarget = ints('target_ids');
    const tWeight = dbls('target_weights_as_tensor');
    tTree.forEach((t, i) => {
      const tree = trees.get(t);
      if (!tree) throw new Error(`treesFromOnnx: leaf weight for unknown tree ${t}`);
      tree.value[tNode[i] as number] = tWeight[i] as number;
      targetOfTree.set(t, tTarget[i] as number);
    });
    dbls('base_values_as_tensor').forEach((b, target) => {
      const g = out[horizonOf(target)];
      if (g) g.baseScore = b;
    });
    for (const [t, tree] of trees) {
      const g = out[horizonOf(targetOfTree.get(t) ?? 0)];
      if (!g) throw new Error(`treesFromOnnx: tree ${t} targets a horizon outside 0…${H - 1}`);
      g.trees.push(tree);
    }
  }
  return out;
}

/**
 * One small ONNX model per horizon (same trees, same doubles; part h holds node `gbm_h<h>` writing `raw_h<h>`), so a
 * row that needs one horizon walks only that horizon's trees: ONNX Runtime (node binding) computes every node of a
 * graph whatever outputs are fetched. A model in the older one-node layout is first re-encoded per horizon.
 */
export function perHorizonOnnx(bytes: Uint8Array, model: DirectModelMeta): Uint8Array[] {
  const H = model.stepsAhead.length;
  const split = splitPerHorizonLayout(bytes, H);
  if (split) return split;
  const reencoded = directModelToOnnx({ ...model, models: treesFromOnnx(bytes, model) }, 're-encoded per horizon');
  const parts = splitPerHorizonLayout(reencoded, H);
  if (!parts) throw new Error('perHorizonOnnx: the re-encoded model has no per-horizon outputs');
  return parts;
}

/** One protobuf field of a message, as byte offsets into it (`start` at its tag, `end` after its value). */
interface WireField {
  field: number;
  start: number;
  valueStart: number;
  end: number;
}

function readVarint(b: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  let i = at;
  for (;;) {
    const byte = b[i++];
    if (byte === undefined) throw new Error('ONNX bytes end inside a varint');
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i };
    scale *= 128;
  }
}

/** The top-level fields of a protobuf message, without decoding their values. */
function wireFields(b: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let i = 0;
  while (i < b.length) {
    const start = i;
    const tag = readVarint(b, i);
    const wireType = tag.value % 8;
    const field = Math.floor(tag.value / 8);
    i = tag.next;
    let valueStart = i;
    if (wireType === 0) i = readVarint(b, i).next;
    else if (wireType === 1) i += 8;
    else if (wireType === 5) i += 4;
    else if (wireType === 2) {
      const len = readVarint(b, i);
      valueStart = len.next;
      i = len.next + len.value;
    } else throw new Error(`ONNX bytes: unsupported protobuf wire type ${wireType}`);
    if (i > b.length) throw new Error('ONNX bytes end inside a field');
    out.push({ field, start, valueStart, end: i });
  }
  return out;
}

function varintBytes(v: number): number[] {
  const out: number[] = [];
  let x = v;
  while (x >= 0x80) {
    out.push((x % 128) | 0x80);
    x = Math.floor(x / 128);
  }
  out.push(x);
  return out;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A length-delimited field (tag + length + value). */
function lenField(field: number, value: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.from([...varintBytes(field * 8 + 2), ...varintBytes(value.length)]), value]);
}

// Field numbers from onnx.proto: ModelProto.graph = 7; GraphProto.node = 1, GraphProto.output = 12;
// NodeProto.output = 2, ValueInfoProto.name = 1.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;
const NODE_OUTPUT = 2;
const VALUE_INFO_NAME = 1;

function firstString(msg: Uint8Array, field: number): string | undefined {
  const f = wireFields(msg).find((w) => w.field === field);
  return f ? new TextDecoder().decode(msg.subarray(f.valueStart, f.end)) : undefined;
}

/**
 * For a model in the per-horizon layout: one model per horizon holding only that horizon's node and output, cut out
 * of the bytes at the protobuf wire level (no decoding of the trees, so a 9 MB model splits in milliseconds);
 * undefined for the older one-node layout.
 */
function splitPerHorizonLayout(bytes: Uint8Array, horizons: number): Uint8Array[] | undefined {
  const model = wireFields(bytes);
  const graphField = model.find((f) => f.field === MODEL_GRAPH);
  if (!graphField) throw new Error('the ONNX model has no graph');
  const graph = bytes.subarray(graphField.valueStart, graphField.end);
  const graphFields = wireFields(graph);
  const value = (f: WireField): Uint8Array => graph.subarray(f.valueStart, f.end);
  const nodeByOutput = new Map<string, WireField>();
  for (const f of graphFields.filter((g) => g.field === GRAPH_NODE)) {
    const out = firstString(value(f), NODE_OUTPUT);
    if (out !== undefined) nodeByOutput.set(out, f);
  }
  const outputByName = new Map<string, WireField>();
  for (const f of graphFields.filter((g) => g.field === GRAPH_OUTPUT)) {
    const name = firstString(value(f), VALUE_INFO_NAME);
    if (name !== undefined) outputByName.set(name, f);
  }
  // Shared by every part: the model's other fields, and the graph's besides nodes and outputs (its name and input).
  const graphRest = graphFields
    .filter((g) => g.field !== GRAPH_NODE && g.field !== GRAPH_OUTPUT)
    .map((g) => graph.subarray(g.start, g.end));
  const modelRest = model.filter((f) => f.field !== MODEL_GRAPH).map((f) => bytes.subarray(f.start, f.end));
  const parts: Uint8Array[] = [];
  for (let h = 0; h < horizons; h++) {
    const node = nodeByOutput.get(horizonOutputName(h));
    const output = outputByName.get(horizonOutputName(h));
    if (!node || !output) return undefined;
    const newGraph = concatBytes([
      graph.subarray(node.start, node.end),
      ...graphRest,
      graph.subarray(output.start, output.end),
    ]);
    parts.push(concatBytes([...modelRest, lenField(MODEL_GRAPH, newGraph)]));
  }
  return parts;
}
