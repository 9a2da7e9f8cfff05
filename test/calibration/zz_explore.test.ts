import { test } from 'vitest';
import { loadOnnxFile } from '../../src/onnx/read.js';
import { canonicalize } from '../../src/graph/passes/index.js';
import { inferShapes } from '../../src/graph/infer.js';
test('explore', () => {
  for (const f of ['onnx-zoo-mnist-12','vnncomp21-mnistfc-256x2','vnncomp21-verivital-convnet_maxpool','vnncomp21-cifar10-resnet_2b']) {
    const m0 = loadOnnxFile(`fixtures/models/${f}.onnx`);
    const m = canonicalize(m0);
    const v = inferShapes(m, { batch: 1 }).values;
    console.log(f, JSON.stringify(m.graph.inputs), m0.graph.nodes.filter(n=>n.opType==='Relu').map(n=>n.name+':'+n.outputs[0]).join(' '));
    console.log('  canon', m.graph.nodes.map(n => n.opType + (n.opType==='Relu' ? `(${n.name}:${n.outputs[0]} ${JSON.stringify(v.get(n.outputs[0]!)?.dims)})` : '')).join(' '));
  }
});
