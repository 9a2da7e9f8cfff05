/**
 * The models the scripts know, with their datasets and preprocessing (from fixtures/README.md): the
 * four bundled real models (made by others), and the project's own deep BatchNorm networks trained
 * by scripts/train_models.py. Scripts run the bundled four by default; `--models id,...` picks any.
 */
import type { Preprocess } from '../src/data/types.js';

export interface BundledModel {
  readonly id: string;
  readonly file: string;
  readonly test: string;
  readonly calib: string;
  readonly pre: Preprocess;
  /** Documented ANN accuracy on `test` (onnxruntime 1.30, CPU). */
  readonly annAccuracy: number;
}

const MNIST = { test: 'fixtures/data/mnist/t10k-images-idx3-ubyte.gz', calib: 'fixtures/data/mnist/train-images-idx3-ubyte.gz', pre: { scale: 1 / 255 } };

export const BUNDLED_MODELS: readonly BundledModel[] = [
  { id: 'onnx-zoo-mnist-12', file: 'fixtures/models/onnx-zoo-mnist-12.onnx', ...MNIST, annAccuracy: 0.989 },
  { id: 'vnncomp21-mnistfc-256x2', file: 'fixtures/models/vnncomp21-mnistfc-256x2.onnx', ...MNIST, annAccuracy: 0.9808 },
  { id: 'vnncomp21-verivital-convnet_maxpool', file: 'fixtures/models/vnncomp21-verivital-convnet_maxpool.onnx', ...MNIST, annAccuracy: 0.9792 },
  {
    id: 'vnncomp21-cifar10-resnet_2b',
    file: 'fixtures/models/vnncomp21-cifar10-resnet_2b.onnx',
    test: 'fixtures/data/cifar10/test_first1000.bin.gz',
    calib: 'fixtures/data/cifar10/train_first1000.bin.gz',
    pre: { scale: 1 / 255, mean: [0.4914, 0.4822, 0.4465], std: [0.2471, 0.2435, 0.2616] },
    annAccuracy: 0.703,
  },
];

const FASHION = {
  test: 'fixtures/data/fashion-mnist/t10k-images-idx3-ubyte.gz',
  calib: 'fixtures/data/fashion-mnist/train_first2000-images-idx3-ubyte.gz',
  pre: { scale: 1 / 255 },
};

/** Trained here by scripts/train_models.py (torch 1.13 on the CPU, seed 0); pixel/255, no mean/std. */
export const OWN_MODELS: readonly BundledModel[] = [
  // ResNet-20, 19 Conv + 2 projection shortcuts, BatchNormalization nodes KEPT in the file
  { id: 'own-fmnist-resnet20-bn', file: 'fixtures/models/own-fmnist-resnet20-bn.onnx', ...FASHION, annAccuracy: 0.9268 },
  // VGG-style, 6 conv-BN-ReLU + 3 MaxPool + 2 Gemm, BatchNorm folded by the exporter
  { id: 'own-fmnist-vgg-bn', file: 'fixtures/models/own-fmnist-vgg-bn.onnx', ...FASHION, annAccuracy: 0.9238 },
  // MobileNetV2-style: ReLU6 (Clip), depthwise convs, linear bottlenecks, residual Adds without ReLU; BN folded
  { id: 'own-mnist-mobilenetv2', file: 'fixtures/models/own-mnist-mobilenetv2.onnx', ...MNIST, annAccuracy: 0.9933 },
];

export const ALL_MODELS: readonly BundledModel[] = [...BUNDLED_MODELS, ...OWN_MODELS];

/** The models a script runs: the bundled four when `ids` is absent, else the named ones (comma list, any known id) in the order of ALL_MODELS. */
export function selectModels(ids?: string): readonly BundledModel[] {
  if (ids === undefined) return BUNDLED_MODELS;
  const want = ids.split(',').filter((s) => s !== '');
  const unknown = want.filter((id) => !ALL_MODELS.some((m) => m.id === id));
  if (unknown.length > 0) throw new Error(`unknown model(s) ${unknown.join(', ')}; known: ${ALL_MODELS.map((m) => m.id).join(', ')}`);
  return ALL_MODELS.filter((m) => want.includes(m.id));
}
/** ImageNet preprocessing of torchvision's reference models: Resize(256), CenterCrop(224), ToTensor, Normalize. */
export const IMAGENET_PRE: Preprocess = { resize: [256], centerCrop: [224], scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/**
 * The int8 MobileNetV2 (ONNX Model Zoo, QOperator) on the 100 bundled ImageNet images (one per
 * 10th class, labelled by the wnid prefix of the file name). Not in BUNDLED_MODELS: its SNN takes
 * minutes per image on 2 cores (scripts/imagenet.ts runs it).
 */
export const IMAGENET_SAMPLE = {
  id: 'onnx-zoo-mobilenetv2-12-int8',
  file: 'fixtures/models/onnx-zoo-mobilenetv2-12-int8.onnx',
  data: 'fixtures/data/imagenet-sample',
  pre: { ...IMAGENET_PRE, classes: 'fixtures/data/imagenet-sample/synsets.txt' } as Preprocess,
} as const;
