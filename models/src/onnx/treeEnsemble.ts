import type { DirectModel, GbmModel } from '@carbonreducer/forecast';
import { onnx } from 'onnx-proto';

/**
 * Encodes a direct multi-horizon model as one ONNX-ML `TreeEnsembleRegressor` (opset ai.onnx.ml 3) with one output
 * column per horizon. Input `features` is double [N, F] and thresholds and leaf weights are stored as double
 * tensors, so splits compare exactly as in TypeScript; only the final output is float32 (ONNX fixes Y to float).
 * Row i of the input must be built for the horizon whose column is read.
 */
export function directModelToOnnx(model: DirectModel, docString = ''): Uint8Array {
  const nodesTree: number[] = [];
  const nodesId: number[] = [];
  const nodesFeature: number[] = [];
  const nodesValue: number[] = [];
  const nodesMode: Uint8Array[] = [];
  const nodesTrue: number[] = [];
  const nodesFalse: number[] = [];
  const tTree: number[] = [];
  const tNode: number[] = [];
  const tTarget: number[] = [];
  const tWeight: number[] = [];
  const enc = new TextEncoder();
  const LEAF = enc.encode('LEAF');
  const LEQ = enc.encode('BRANCH_LEQ');
  let treeId = 0;
  const base: number[] = [];
  model.models.forEach((gbm: GbmModel, target) => {
    if (gbm.numFeatures !== model.featureNames.length) throw new Error('directModelToOnnx: feature count mismatch');
    base.push(gbm.baseScore);
    for (const tree of gbm.trees) {
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
          tTarget.push(target);
          tWeight.push(tree.value[n] as number);
        } else {
          nodesFeature.push(f);
          nodesValue.push(tree.threshold[n] as number);
          nodesMode.push(LEQ);
          nodesTrue.push(tree.left[n] as number);
          nodesFalse.push(tree.right[n] as number);
        }
      }
      treeId++;
    }
  });
  if (treeId === 0) throw new Error('directModelToOnnx: the model has no trees');
  const A = onnx.AttributeProto.AttributeType;
  const ints = (name: string, v: number[]): onnx.IAttributeProto => ({ name, type: A.INTS, ints: v });
  const dbl = (name: string, v: number[]): onnx.IAttributeProto => ({
    name,
    type: A.TENSOR,
    t: { dims: [v.length], dataType: onnx.TensorProto.DataType.DOUBLE, doubleData: v },
  });
  const str = (name: string, v: string): onnx.IAttributeProto => ({ name, type: A.STRING, s: enc.encode(v) });
  const nTargets = model.models.length;
  const node: onnx.INodeProto = {
    opType: 'TreeEnsembleRegressor',
    domain: 'ai.onnx.ml',
    name: 'direct_gbm',
    input: ['features'],
    output: ['raw'],
    attribute: [
      ints('nodes_treeids', nodesTree),
      ints('nodes_nodeids', nodesId),
      ints('nodes_featureids', nodesFeature),
      dbl('nodes_values_as_tensor', nodesValue),
      { name: 'nodes_modes', type: A.STRINGS, strings: nodesMode },
      ints('nodes_truenodeids', nodesTrue),
      ints('nodes_falsenodeids', nodesFalse),
      ints('target_treeids', tTree),
      ints('target_nodeids', tNode),
      ints('target_ids', tTarget),
      dbl('target_weights_as_tensor', tWeight),
      dbl('base_values_as_tensor', base),
      { name: 'n_targets', type: A.INT, i: nTargets },
      str('aggregate_function', 'SUM'),
      str('post_transform', 'NONE'),
    ],
  };
  const dim = (v: number | string): onnx.TensorShapeProto.IDimension =>
    typeof v === 'number' ? { dimValue: v } : { dimParam: v };
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
      node: [node],
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
      output: [
        {
          name: 'raw',
          type: {
            tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [dim('N'), dim(nTargets)] } },
          },
        },
      ],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model_)).finish();
}
