/** NIR export (Neuromorphic Intermediate Representation): see src/nir/export.ts for the conventions. */
export { type NirExportOptions, toNir, writeNir } from './export.js';
export { foldScales } from './fold.js';
export { readNir, writeNirGraph } from './hdf5.js';
export { NIR_SEMANTICS, type NirSemantics, type NirSimOptions, type NirSimResult, onnx2snnSemantics, simulateNir } from './interpret.js';
export { checkNirTypes, type NodeTypes } from './shapes.js';
export { NIR_NODE_ORIGIN_KEY, NIR_VERSION, type NirGraph, type NirMetadataValue, type NirNode, type NirNodeType, type NirTensor } from './types.js';
