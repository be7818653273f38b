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
 * One small ONNX model per horizon (same trees, same doubles), so a row that needs one horizon walks only that
 * horizon's trees: ONNX Runtime (node binding) computes every node of a graph whatever outputs are fetched.
 */
export function perHorizonOnnx(bytes: Uint8Array, model: DirectModelMeta): Uint8Array[] {
  return treesFromOnnx(bytes, model).map((gbm, h) =>
    directModelToOnnx(
      { ...model, stepsAhead: [model.stepsAhead[h] as number], models: [gbm] },
      `${model.kind} direct GBM, horizon ${h} only`,
    ),
  );
}
